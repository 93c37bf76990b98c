{% if true  %}
Text
{% endif %}
{% if true  %}



{% endif %}
----
{% if true  %}
Text2
{% endif %}
