{# The 'fake' argument exists to have tests for the now-tag; it will set the time to a specific date instead of now #}
{% now "Mon Jan 2 15:04:05 -0700 MST 2006" fake %}