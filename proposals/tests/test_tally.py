"""The stored tally (``votes_up``, ``votes_down``, ``score`` on each proposal): every writer of
vote rows keeps it equal to the rows, the migration counts it from them, and the lists read it
instead of counting (DESIGN §5). The race of writers is in ``test_concurrency.py``."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.test.utils import CaptureQueriesContext

from proposals.errors import ProposalLimitReached, ProposalNotFound
from proposals.models import Proposal
from proposals.selectors import proposal_list, proposal_tally, proposal_tally_counted
from proposals.services import proposal_revise, vote_cast, vote_retract
from proposals.tests.conftest import DOCKER_SENIOR_E
from proposals.tests.factories import ProposalFactory, UserFactory, VoteFactory

pytestmark = pytest.mark.django_db


def _stored(proposal: Proposal) -> tuple[int, int, int]:
    row = Proposal.objects.values_list("votes_up", "votes_down", "score").get(pk=proposal.pk)
    assert row[:2] == proposal_tally_counted(proposal=proposal)  # the rows agree
    return row


def test_casting_changing_and_retracting_move_the_stored_tally():
    proposal = ProposalFactory.create()
    fan, critic = UserFactory.create(), UserFactory.create()
    vote = vote_cast(proposal=proposal, voter=fan, value=1)
    assert (vote.proposal.votes_up, vote.proposal.votes_down) == (1, 0)  # as the API answers
    assert _stored(proposal) == (1, 0, 1)
    vote_cast(proposal=proposal, voter=critic, value=-1, reason="Too strict")
    assert _stored(proposal) == (1, 1, 0)
    vote_cast(proposal=proposal, voter=fan, value=-1)  # changed
    assert _stored(proposal) == (0, 2, -2)
    vote_cast(proposal=proposal, voter=fan, value=-1, reason="On second thought")  # words only
    assert _stored(proposal) == (0, 2, -2)
    vote_cast(proposal=proposal, voter=critic, value=1)
    assert _stored(proposal) == (1, 1, 0)
    locked = vote_retract(proposal=proposal, voter=critic)
    assert (locked.votes_up, locked.votes_down, locked.score) == (0, 1, -1)
    assert _stored(proposal) == (0, 1, -1)
    vote_retract(proposal=proposal, voter=fan)
    assert _stored(proposal) == (0, 0, 0)
    assert proposal_tally(proposal=proposal) == (0, 0)


def test_a_refused_vote_leaves_the_tally(settings):
    settings.VOTES_PER_MEMBER_PER_DAY = 1
    voter = UserFactory.create()
    first, second = ProposalFactory.create(), ProposalFactory.create()
    vote_cast(proposal=first, voter=voter, value=1)
    with pytest.raises(ProposalLimitReached):
        vote_cast(proposal=second, voter=voter, value=1)
    assert (_stored(first), _stored(second)) == ((1, 0, 1), (0, 0, 0))


def test_a_vote_on_a_proposal_gone_or_marked_spam_is_not_found():
    spam = ProposalFactory.create(is_spam=True)
    with pytest.raises(ProposalNotFound):
        vote_cast(proposal=spam, voter=UserFactory.create(), value=1)
    with pytest.raises(ProposalNotFound):
        vote_cast(proposal=Proposal(pk=spam.pk + 1000), voter=UserFactory.create(), value=1)


def test_a_revision_of_the_changes_sets_the_votes_aside_and_zeroes_the_tally(proposal):
    vote_cast(proposal=proposal, voter=UserFactory.create(), value=1)
    vote_cast(proposal=proposal, voter=UserFactory.create(), value=-1)
    assert _stored(proposal) == (1, 1, 0)
    proposal_revise(
        proposal=proposal,
        author=proposal.author,
        title=proposal.title,
        rationale=proposal.rationale,
        changes=[{**DOCKER_SENIOR_E, "code": "W"}],
    )
    assert _stored(proposal) == (0, 0, 0)
    vote_cast(proposal=proposal, voter=UserFactory.create(), value=1)
    assert _stored(proposal) == (1, 0, 1)


def test_a_members_deletion_takes_their_votes_out_of_the_tallies():
    leaving, staying = UserFactory.create(), UserFactory.create()
    liked, disliked, untouched = ProposalFactory.create_batch(3)
    vote_cast(proposal=liked, voter=leaving, value=1)
    vote_cast(proposal=liked, voter=staying, value=1)
    vote_cast(proposal=disliked, voter=leaving, value=-1)
    vote_cast(proposal=untouched, voter=staying, value=-1)
    # Their own proposal, voted on by others, goes with them.
    own = ProposalFactory.create(author=leaving)
    vote_cast(proposal=own, voter=staying, value=1)

    leaving.delete()

    assert _stored(liked) == (1, 0, 1)
    assert _stored(disliked) == (0, 0, 0)
    assert _stored(untouched) == (0, 1, -1)
    assert not Proposal.objects.filter(pk=own.pk).exists()
    UserFactory.create().delete()  # no votes: nothing to count again


def test_deleting_several_members_at_once_keeps_every_tally():
    proposal = ProposalFactory.create()
    voters = UserFactory.create_batch(4)
    for i, voter in enumerate(voters):
        vote_cast(proposal=proposal, voter=voter, value=1 if i % 2 else -1)
    type(voters[0]).objects.filter(pk__in=[voters[0].pk, voters[1].pk, voters[2].pk]).delete()
    assert _stored(proposal) == (1, 0, 1)  # the fourth one's up vote


def test_the_database_refuses_a_score_that_is_not_the_tally():
    proposal = ProposalFactory.create()
    with pytest.raises(IntegrityError), transaction.atomic():
        Proposal.objects.filter(pk=proposal.pk).update(votes_up=2, score=1)


def test_the_list_sorts_by_the_stored_score_without_reading_votes():
    low, high, middle = ProposalFactory.create_batch(3)
    for proposal, values in ((low, [-1, -1]), (high, [1, 1, 1]), (middle, [1, -1, 1])):
        for value in values:
            VoteFactory.create(proposal=proposal, value=value)
    with CaptureQueriesContext(connection) as queries:
        rows = list(proposal_list(sort="score"))
    assert [p.pk for p in rows] == [high.pk, middle.pk, low.pk]
    assert [(p.votes_up, p.votes_down, p.score) for p in rows] == [(3, 0, 3), (2, 1, 1), (0, 2, -2)]
    (sql,) = [q["sql"] for q in queries.captured_queries]
    assert "proposals_vote" not in sql
    assert 'ORDER BY "proposals_proposal"."score" DESC' in sql


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the plan of PostgreSQL's index")
def test_the_score_sort_can_read_its_index():
    ProposalFactory.create_batch(3)
    with connection.cursor() as cursor:
        # Too few rows for the planner to prefer an index unless a scan and a sort cost more
        # (in the test's transaction only).
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_sort = off")
    plan = proposal_list(sort="score")[:20].explain()
    assert "proposal_best" in plan


@pytest.mark.django_db(transaction=True)
def test_the_vote_api_takes_at_most_six_queries(client, django_assert_max_num_queries):
    from rest_framework.authtoken.models import Token

    proposal = ProposalFactory.create()
    token = Token.objects.create(user=UserFactory.create())
    url = f"/api/v1/proposals/{proposal.pk}/vote/"
    auth = {"HTTP_AUTHORIZATION": f"Token {token.key}", "content_type": "application/json"}
    # Outside a test's transaction, as in production: the token with its member, then in
    # the service's transaction (BEGIN and COMMIT) the member's row locked with whether their
    # address is verified, the proposal's row locked with the member's votes of the day, their
    # vote on it, the vote written, the tally written. Before the stored tally: 10 and 6
    # transaction statements (the proposal and its reviews read first, the tally counted).
    for value, votes in ((1, {"up": 1, "down": 0}), (-1, {"up": 0, "down": 1})):
        with django_assert_max_num_queries(8) as captured:
            response = client.post(url, {"value": value}, **auth)
        assert response.status_code == 200
        assert response.json()["votes"] == votes
        transaction_control = ("BEGIN", "COMMIT")
        queries = [q for q in captured.captured_queries if q["sql"] not in transaction_control]
        assert len(queries) <= 6
    assert _stored(proposal) == (0, 1, -1)


# Real transactions: SQLite cannot change its schema inside the atomic block of a plain
# django_db test (foreign key checks), and PostgreSQL runs the same way.
@pytest.mark.django_db(transaction=True)
def test_the_migration_counts_every_tally_from_the_rows():
    executor = MigrationExecutor(connection)
    latest = executor.loader.graph.leaf_nodes()
    voted, unvoted = ProposalFactory.create(), ProposalFactory.create()
    for value in (1, 1, -1):
        VoteFactory.create(proposal=voted, value=value)
    try:
        executor.migrate([("proposals", "0008_search_document")])
        executor = MigrationExecutor(connection)
        executor.migrate([("proposals", "0009_stored_tally")])
        assert _stored(voted) == (2, 1, 1)
        assert _stored(unvoted) == (0, 0, 0)
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(latest)
