{% templatetag openblock %} url 'entry_list' {% templatetag closeblock %}
{% templatetag openvariable %}{% templatetag closevariable %}
{% templatetag openbrace %}{% templatetag closebrace %}
{% templatetag opencomment %}{% templatetag closecomment %}