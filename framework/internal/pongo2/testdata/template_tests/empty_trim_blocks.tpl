{% if true  %}
{% endif %}
