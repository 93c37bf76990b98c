Globals
{{ this_is_a_global_variable }}