"""The ways in, in a module of their own: models.py imports the models kept beside their code
(customers/existing/cardlink_model.py), and they record a way in too."""

from __future__ import annotations

from django.db import models


class Channel(models.TextChoices):
    """The way an action came in; written into its audit row (customers/actions/)."""

    WEB = "web", "web"
    ASSISTANT = "assistant", "assistant"
    COMMAND = "command", "command"
