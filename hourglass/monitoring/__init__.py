"""The bot watching itself: performance summaries, alert rules, delivery, reports."""
