from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProposalsConfig(AppConfig):
    name = "proposals"
    verbose_name = _("Proposals")

    def ready(self) -> None:
        from django.db.models.signals import post_save

        from proposals.notify import version_saved
        from roles.models import RoleVersion

        # Watchers of a role hear of each new version, whoever made it (roles knows nothing
        # of them: DESIGN §3).
        post_save.connect(version_saved, sender=RoleVersion, dispatch_uid="proposals-version")

        # The role page marks cells with open proposals; roles asks proposals through this hook.
        from proposals.selectors import role_open_proposal_cells
        from roles.pages import open_cells_source_set

        open_cells_source_set(role_open_proposal_cells)
