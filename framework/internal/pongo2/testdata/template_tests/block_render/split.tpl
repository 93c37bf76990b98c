{% extends "../inheritance/base.tpl" %}

{% block more_content %}
The nested content
{% endblock %}