"""The Atom feed's entry lists the first changes and says how many more (issue 18)."""

from __future__ import annotations

import re

import pytest

from roles.templatetags.roles_tags import version_change_count

pytestmark = pytest.mark.django_db


def test_a_long_entry_says_how_many_more(client, seed_role):
    feed = client.get(f"/roles/{seed_role.slug}/history/feed/").content.decode()
    version = seed_role.versions.get(number=1)
    # The import version changed the seed's 280 cells (and more that are not cells).
    assert len(version.changed_cells) == 280
    found = re.search(r"and (\d+) more", feed)
    assert found is not None
    assert int(found.group(1)) == version_change_count(version) - 10 >= 270
