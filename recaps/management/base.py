"""What the project's management commands share."""

from django.core.management.base import BaseCommand


class TranslatedCommand(BaseCommand):
    """A command whose ``help`` is a lazily translated string.

    argparse formats the description with regular expressions, which refuse a
    lazy string (``TypeError`` on ``--help``): it is translated when the parser
    is made, in the language active then.
    """

    def create_parser(self, prog_name, subcommand, **kwargs):
        self.help = str(self.help)
        return super().create_parser(prog_name, subcommand, **kwargs)
