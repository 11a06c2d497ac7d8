"""Render: a Letter and a theme become HTML."""
