{% block content %}Render content
{% endblock %}
{% block more_content %}More
{% endblock %}