{% extends "inheritance/base.tpl" %}

{% block content %}{{ block.Super }}extends-level-1{% endblock %}