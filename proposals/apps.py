from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProposalsConfig(AppConfig):
    name = "proposals"
    verbose_name = _("Proposals")

    def ready(self) -> None:
        # The role page marks cells with open proposals; roles asks proposals through this hook.
        from proposals.selectors import role_open_proposal_cells
        from roles.pages import open_cells_source_set

        open_cells_source_set(role_open_proposal_cells)
