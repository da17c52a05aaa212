"""Spreadsheets in and out: reading CSV and Excel files, column mapping, export.

The ground floor of bulk import and export: plain Python and openpyxl, no Qt,
nothing of the app's upper floors. It turns a file into rows of cells that say
what a spreadsheet may have done to them (a plate Excel turned into a date or
a number, a phone number that lost its plus sign), so the import preview can
flag them instead of sending them, and it writes cells that a spreadsheet
would run as formulas in a form that stays inert.
"""
