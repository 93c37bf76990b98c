{% extends "../inheritance/base3.tpl" %}

{% block more_content %}
The nested content
{% endblock %}