"""Customer-facing tracking: signed links, public look-up, the live progress bar, the widget."""
