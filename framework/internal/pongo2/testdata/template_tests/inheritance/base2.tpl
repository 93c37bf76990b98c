{% include "doesnotexist.tpl" %}
