from __future__ import annotations

from typing import Any

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProposalsConfig(AppConfig):
    name = "proposals"
    verbose_name = _("Proposals")

    def ready(self) -> None:
        from django.contrib.auth import get_user_model
        from django.db.models.signals import post_delete, post_save, pre_delete

        from proposals.notify import version_saved
        from roles.models import RoleVersion

        # Watchers of a role hear of each new version, whoever made it (roles knows nothing
        # of them: DESIGN §3).
        post_save.connect(version_saved, sender=RoleVersion, dispatch_uid="proposals-version")

        # A member's deletion deletes their vote rows without the vote services (a cascade):
        # the proposals they voted on are locked before, and their tallies counted again after,
        # in the deletion's transaction.
        user_model = get_user_model()
        pre_delete.connect(_member_deleting, sender=user_model, dispatch_uid="proposals-tally")
        post_delete.connect(_member_deleted, sender=user_model, dispatch_uid="proposals-tally")

        # The role page marks cells with open proposals; roles asks proposals through this hook.
        from proposals.selectors import role_open_proposal_cells
        from roles.pages import open_cells_source_set

        open_cells_source_set(role_open_proposal_cells)


# Where the ids locked before a member's deletion wait for its end (on the deleted instance).
_VOTED_ON = "_proposals_voted_on"


def _member_deleting(sender: Any, instance: Any, **kwargs: Any) -> None:
    from proposals.services import member_votes_lock

    setattr(instance, _VOTED_ON, member_votes_lock(user=instance))


def _member_deleted(sender: Any, instance: Any, **kwargs: Any) -> None:
    # Every member a deletion takes is gone by now: the counts leave all their votes out.
    from proposals.services import proposal_tallies_recount

    proposal_tallies_recount(proposal_ids=getattr(instance, _VOTED_ON, []))
