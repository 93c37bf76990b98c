.{{ simple.number }}{% verbatim %}
<style>@media{#foobar...
{{ test }}
{% test %}
{% endverbatim %}{{ simple.number }}.

.{{ simple.number }}{% verbatim %}{{ test }}{% endverbatim %}{{ simple.number }}.