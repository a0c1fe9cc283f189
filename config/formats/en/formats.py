# Kindred's dates (community/dates.py): day, short month, year and a 24-hour clock, the same
# on every page ("2 Dec 2026, 14:05"). Decision 0072.
DATE_FORMAT = "j M Y"
DATETIME_FORMAT = "j M Y, H:i"
SHORT_DATE_FORMAT = "j M Y"
SHORT_DATETIME_FORMAT = "j M Y, H:i"
TIME_FORMAT = "H:i"
