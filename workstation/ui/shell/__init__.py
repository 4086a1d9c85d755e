"""The window's frame: the application, the main window and its menus, dialogs, help, error
reporting and preferences."""
