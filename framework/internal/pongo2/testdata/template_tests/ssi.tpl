{% ssi "ssi.helper" %}
{% ssi "ssi.helper" parsed %}