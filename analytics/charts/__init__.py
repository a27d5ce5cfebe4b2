"""Plotly figures for Hourglass: study behaviour, the bot's health and capacity.

Every figure uses analytics.charts.theme, and every builder returns the theme's empty
state with a clear sentence when there is nothing to draw.
"""
