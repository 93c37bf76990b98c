{% extends "../inheritance2/skeleton.tpl" %}

{% block content %}
The content
{% endblock %}