"""The browser UI of the citizens' requests: forms, pages, staff inbox."""
