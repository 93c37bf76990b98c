{% extends "inheritance3/skeleton.tpl" %}
