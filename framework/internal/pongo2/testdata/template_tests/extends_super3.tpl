{% extends "inheritance/base4.tpl" %}

{% block content %}{{ block.Super }}<p>super3 content</p>{% endblock %}