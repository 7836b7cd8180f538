"""A one-line progress bar for management commands."""


class Progress:
    """Redraw ``[#####-----] done/total`` on one line of ``stream``.

    Drawn only when ``enabled`` (commands pass whether the stream is a terminal
    and the verbosity); ``label`` is printed before the bar.
    """

    WIDTH = 30

    def __init__(self, stream, total, enabled, label=""):
        self.stream, self.total, self.enabled = stream, total, enabled and total > 0
        self.label = f"{label} " if label else ""

    def __call__(self, done):
        if not self.enabled:
            return
        filled = self.WIDTH * done // self.total
        bar = "#" * filled + "-" * (self.WIDTH - filled)
        self.stream.write(f"\r{self.label}[{bar}] {done}/{self.total}", ending="")
        if done == self.total:
            self.stream.write("")
        self.stream.flush()
