{% extends "extends_super.tpl" %}

{% block content %}{{ block.Super }}extends-level-2{% endblock %}