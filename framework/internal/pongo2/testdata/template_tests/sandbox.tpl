{{ "hello"|unbanned_filter }}
{% unbanned_tag %}
{% include temp_file %}