{% extends "extends_super3.tpl" %}

{% block content %}{{ block.Super }}<p>super4 content</p>{% endblock %}