"""The proposal pages, with and without htmx."""

from __future__ import annotations

import html

import pytest

from proposals.models import Comment, Proposal, Vote
from proposals.tests.conftest import DOCKER_SENIOR_E
from proposals.tests.factories import CommentFactory, UserFactory, VoteFactory

pytestmark = pytest.mark.django_db


def _signed_in(client, user):
    client.force_login(user)
    return client


def test_list_filters_sorts_and_paginates(client, proposal, seed_role):
    other = Proposal.objects.create(
        role=seed_role,
        author=proposal.author,
        title="Older and better liked",
        rationale="r",
        base_version=1,
        changes=[DOCKER_SENIOR_E],
        closes_at=proposal.closes_at,
    )
    VoteFactory.create_batch(2, proposal=other, value=1)
    page = client.get("/proposals/").content.decode()
    assert page.index("Older and better liked") < page.index("Seniors master Docker")
    by_score = client.get("/proposals/?sort=score").content.decode()
    assert by_score.index("Older and better liked") < by_score.index("Seniors master Docker")
    assert "Seniors master Docker" not in client.get("/proposals/?status=accepted").content.decode()
    assert client.get("/proposals/?status=nonsense").status_code == 200
    assert (
        "Seniors master Docker"
        in client.get(
            "/proposals/?domain=cloud-infrastructure&role=mlops-engineer"
        ).content.decode()
    )
    fragment = client.get("/proposals/?sort=score", HTTP_HX_REQUEST="true").content.decode()
    assert "<html" not in fragment
    assert "Older and better liked" in fragment


def test_list_pagination_keeps_the_filters(client, seed_role, author):
    for index in range(25):
        Proposal.objects.create(
            role=seed_role,
            author=author,
            title=f"P{index}",
            rationale="r",
            base_version=1,
            changes=[DOCKER_SENIOR_E],
            closes_at="2099-01-01T00:00:00Z",
        )
    page = client.get("/proposals/?status=voting").content.decode()
    assert "?status=voting&amp;page=2" in page


def test_list_shows_one_members_proposals_and_keeps_them_across_filters(
    client, proposal, seed_role
):
    other_author = UserFactory.create(username="someone.else@example")
    Proposal.objects.create(
        role=seed_role,
        author=other_author,
        title="Someone else's idea",
        rationale="r",
        base_version=1,
        changes=[DOCKER_SENIOR_E],
        closes_at=proposal.closes_at,
    )
    mine = client.get("/proposals/?author=author").content.decode()
    assert "Seniors master Docker" in mine
    assert "Someone else&#x27;s idea" not in mine
    assert "Proposals by <strong>author</strong>." in mine
    # The filter rides along with the others (a hidden field), and one link drops it.
    assert '<input type="hidden" name="author" value="author"' in mine
    assert '<a href="?">Show everyone\'s proposals</a>' in mine
    theirs = client.get("/proposals/?author=someone.else%40example&status=voting")
    assert "Someone else&#x27;s idea" in theirs.content.decode()
    assert "Seniors master Docker" not in theirs.content.decode()
    fragment = client.get("/proposals/?author=author", HTTP_HX_REQUEST="true").content.decode()
    assert "Seniors master Docker" in fragment
    assert "Someone else" not in fragment
    # Nobody by that name: an empty list; a NUL: the form refuses it, so no filter.
    nobody = client.get("/proposals/?author=nobody")
    assert nobody.status_code == 200
    assert "No proposals match these filters yet." in nobody.content.decode()
    assert client.get("/proposals/?author=a%00b").status_code == 200
    everyone = client.get("/proposals/").content.decode()
    assert "Proposals by" not in everyone


def test_detail_shows_changes_tally_time_left_and_escaped_comments(client, proposal):
    VoteFactory.create_batch(3, proposal=proposal, value=1)
    CommentFactory.create(proposal=proposal, text="<script>alert(1)</script>")
    page = client.get(f"/proposals/{proposal.pk}/").content.decode()
    assert "Seniors master Docker" in page
    assert "▲ 3" in page
    assert "left" in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<script>alert(1)" not in page
    assert "is-changed" in page  # the Docker · Senior cell, old → new
    assert "Sign in to vote" in page


def test_removing_a_skill_shows_its_cells_going_without_a_details_note_on_each(
    client, seed_role, author
):
    from proposals.services import proposal_create

    proposal = proposal_create(
        role=seed_role,
        author=author,
        title="Drop Docker",
        rationale="Containers are a given.",
        changes=[{"op": "remove_skill", "skill": "docker"}],
    )
    page = client.get(f"/proposals/{proposal.pk}/").content.decode()
    row = page.split("preview-row--removed")[1].split("</tr>")[0]
    assert row.count("is-changed") == 5  # every level's cell goes
    assert "details changed" not in row  # its details go with it, nothing more to say


def test_unknown_or_spam_proposal_is_404(client, proposal):
    assert client.get("/proposals/999999/").status_code == 404
    Proposal.objects.filter(pk=proposal.pk).update(is_spam=True)
    assert client.get(f"/proposals/{proposal.pk}/").status_code == 404


def test_vote_without_js_redirects_and_with_htmx_returns_the_panel(client, proposal):
    voter = UserFactory.create()
    _signed_in(client, voter)
    url = f"/proposals/{proposal.pk}/vote/"
    response = client.post(url, {"value": "1"})
    assert response.status_code == 303
    assert response["Location"].endswith(f"/proposals/{proposal.pk}/#votes")
    assert Vote.objects.get(voter=voter).value == 1
    fragment = client.post(url, {"value": "-1"}, HTTP_HX_REQUEST="true")
    assert fragment.status_code == 200
    body = fragment.content.decode()
    assert "<html" not in body
    assert "▼ 1" in body
    assert 'value="retract"' in body
    client.post(url, {"value": "retract"})
    assert not Vote.objects.filter(voter=voter).exists()


def test_refused_vote_shows_why(client, proposal):
    _signed_in(client, proposal.author)
    response = client.post(f"/proposals/{proposal.pk}/vote/", {"value": "1"})
    assert response.status_code == 403
    assert "Authors do not vote on their own proposals." in response.content.decode()
    bad = client.post(f"/proposals/{proposal.pk}/vote/", {"value": "7"})
    assert bad.status_code == 400
    assert "X-Refusal-Fragment" not in bad  # a whole page: nothing for htmx to pick out


def test_refusals_to_htmx_are_the_fragment_marked_for_swapping(client, proposal):
    """htmx drops 4xx answers unless proposals.js sees the marker (tests/e2e checks the swap)."""
    _signed_in(client, proposal.author)
    vote = client.post(f"/proposals/{proposal.pk}/vote/", {"value": "1"}, HTTP_HX_REQUEST="true")
    assert vote.status_code == 403
    assert vote["X-Refusal-Fragment"] == "1"
    assert "<html" not in vote.content.decode()
    assert "Authors do not vote on their own proposals." in vote.content.decode()
    comment = client.post(
        f"/proposals/{proposal.pk}/comments/", {"text": " "}, HTTP_HX_REQUEST="true"
    )
    assert comment.status_code == 400
    assert comment["X-Refusal-Fragment"] == "1"
    assert 'id="id_text_error"' in comment.content.decode()
    # A refusal that has no fragment of its own (withdrawing is a whole-page action) is a page.
    other = UserFactory.create()
    _signed_in(client, other)
    withdraw = client.post(f"/proposals/{proposal.pk}/withdraw/", HTTP_HX_REQUEST="true")
    assert withdraw.status_code == 403
    assert "X-Refusal-Fragment" not in withdraw


def test_anonymous_posts_go_to_sign_in(client, proposal):
    response = client.post(f"/proposals/{proposal.pk}/vote/", {"value": "1"})
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]
    assert not Vote.objects.exists()


def test_comment_form_errors_sit_next_to_the_field(client, proposal):
    _signed_in(client, UserFactory.create())
    response = client.post(f"/proposals/{proposal.pk}/comments/", {"text": "  "})
    assert response.status_code == 400
    assert "This field is required." in response.content.decode()
    ok = client.post(f"/proposals/{proposal.pk}/comments/", {"text": "Agreed"})
    assert ok.status_code == 303
    assert Comment.objects.get().text == "Agreed"


def test_withdraw_from_the_page(client, proposal):
    _signed_in(client, proposal.author)
    page = client.get(f"/proposals/{proposal.pk}/").content.decode()
    assert "Withdraw this proposal" in page
    response = client.post(f"/proposals/{proposal.pk}/withdraw/")
    assert response.status_code == 303
    proposal.refresh_from_db()
    assert proposal.status == "withdrawn"
    assert "Withdrawn by its author" in client.get(f"/proposals/{proposal.pk}/").content.decode()


def test_review_panel_only_for_experts_who_may_review(
    client, in_review, domain_expert, other_expert
):
    _signed_in(client, other_expert)
    assert "Your review" not in client.get(f"/proposals/{in_review.pk}/").content.decode()
    _signed_in(client, domain_expert)
    assert "Your review" in client.get(f"/proposals/{in_review.pk}/").content.decode()
    missing = client.post(f"/proposals/{in_review.pk}/review/", {"decision": "approve"})
    assert missing.status_code == 400
    response = client.post(
        f"/proposals/{in_review.pk}/review/", {"decision": "approve", "comment": "Yes."}
    )
    assert response.status_code == 303
    record = client.get(f"/proposals/{in_review.pk}/").content.decode()
    assert "It made version 2 of the role." in record
    assert "Yes." in record
    assert "cloud-expert" in record


def test_touching_fragment_for_the_role_page_and_cell_panel(client, proposal):
    url = "/proposals/touching/?role=mlops-engineer&skill=docker&level=senior"
    fragment = client.get(url, HTTP_HX_REQUEST="true").content.decode()
    assert "<html" not in fragment
    assert "Seniors master Docker" in fragment
    assert "/proposals/new/?role=mlops-engineer&amp;skill=docker&amp;level=senior" in fragment
    other = client.get(url.replace("senior", "junior"), HTTP_HX_REQUEST="true").content.decode()
    assert "No open proposals touch this." in other
    assert "<html" in client.get(url).content.decode()


# --- The editor ---


def _editor(client, data, htmx=False):
    headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    return client.post("/proposals/new/?role=mlops-engineer", data, **headers)


def _row(index=0, **fields):
    values = {
        "op": "set_requirement",
        "skill": "docker",
        "level": "senior",
        "code": "E",
        "mandatory": "on",
    }
    values.update(fields)
    return {f"change-{index}-{name}": value for name, value in values.items()}


def test_editor_prefills_from_a_cell(client, seed_role):
    _signed_in(client, UserFactory.create())
    page = client.get("/proposals/new/?role=mlops-engineer&skill=docker&level=senior")
    body = page.content.decode()
    assert page.status_code == 200
    assert 'value="docker"' in body
    assert '<option value="senior" selected>' in body


def test_editor_needs_a_known_role(client, seed_role):
    _signed_in(client, UserFactory.create())
    assert client.get("/proposals/new/?role=nope").status_code == 404
    # With only the seed role there is nothing to choose (issue 18): straight to its editor.
    assert client.get("/proposals/new/")["Location"] == "/proposals/new/?role=mlops-engineer"


def test_editor_adds_rows_previews_and_submits(client, seed_role):
    _signed_in(client, UserFactory.create())
    base = {"rows": "1", "base_version": "1", "title": "", "rationale": "", "evidence_links": ""}
    added = _editor(client, {**base, **_row(), "action": "add"})
    assert 'name="rows" value="2"' in added.content.decode()
    assert "This field is required" not in added.content.decode()
    two = {
        **base,
        "rows": "2",
        **_row(),
        **_row(1, op="set_focus", skill="", level="lead", text="Own the platform."),
    }
    preview = _editor(client, {**two, "action": "preview"}, htmx=True)
    body = preview.content.decode()
    assert preview.status_code == 200
    assert "<html" not in body
    assert "is-changed" in body
    assert "Own the platform." in body
    submitted = _editor(
        client,
        {**two, "title": "Docker and lead focus", "rationale": "Both.", "action": "submit"},
    )
    proposal = Proposal.objects.get()
    assert submitted.status_code == 303
    assert submitted["Location"] == f"/proposals/{proposal.pk}/"
    assert [change["op"] for change in proposal.changes] == ["set_requirement", "set_focus"]


NO_DIFFERENCE = "This change makes no difference: the role already says so."


def test_editor_errors_sit_next_to_the_change(client, seed_role):
    _signed_in(client, UserFactory.create())
    data = {
        "rows": "2",
        "base_version": "1",
        "title": "t",
        "rationale": "r",
        **_row(),
        **_row(1, level="junior", code="A"),  # Docker · Junior is already A
        "action": "submit",
    }
    response = _editor(client, data)
    body = response.content.decode()
    assert response.status_code == 400
    # In the second change's own box, not at the top of the form.
    first_row, second_row = body.split('class="change-row"')[1:]
    assert NO_DIFFERENCE in second_row
    assert NO_DIFFERENCE not in first_row
    assert f'role="alert">{NO_DIFFERENCE}' not in body
    unknown = _editor(client, {**data, **_row(1, skill="cobol"), "action": "preview"})
    assert (
        "This role has no skill “cobol”: pick one from the list of its skills."
        in unknown.content.decode()
    )
    # To htmx: the editor fragment, marked so proposals.js swaps it in despite the 400.
    fragment = _editor(client, data, htmx=True)
    assert fragment.status_code == 400
    assert fragment["X-Refusal-Fragment"] == "1"
    assert "<html" not in fragment.content.decode()
    assert NO_DIFFERENCE in fragment.content.decode()
    assert not Proposal.objects.exists()


@pytest.mark.parametrize(
    ("change", "refusal"),
    [
        (
            {"skill": "Apache Kafka"},
            "Use el nombre corto de la habilidad (letras minúsculas, dígitos y guiones), "
            "por ejemplo «apache-kafka».",
        ),
        (
            {"skill": "cobol"},
            "Este rol no tiene la habilidad «cobol»: elija una de la lista de sus habilidades.",
        ),
        ({"level": "junior", "code": "A"}, "Este cambio no cambia nada: el rol ya lo dice así."),
        (
            {"op": "add_skill", "level": "", "code": "", "name": "Docker", "domain": "Cloud"},
            "Este rol ya tiene la habilidad «docker».",
        ),
        # Levels and codes are picked from lists: the form refuses others in its own words.
        ({"level": "staff"}, "Escoja una opción válida. staff no es una de las opciones"),
        ({"code": "Q"}, "Escoja una opción válida. Q no es una de las opciones disponibles."),
    ],
)
def test_the_spanish_editor_says_each_refusal_in_spanish(client, seed_role, change, refusal):
    _signed_in(client, UserFactory.create())
    data = {"rows": "1", "base_version": "1", "title": "t", "rationale": "r", **_row(**change)}
    response = client.post(
        "/proposals/new/?role=mlops-engineer",
        {**data, "action": "preview"},
        HTTP_ACCEPT_LANGUAGE="es",
    )
    body = html.unescape(response.content.decode())
    assert response.status_code == 400
    # In the change's own box, in words for members: no English, no developer text.
    change_row = body.split('class="change-row"')[1]
    assert refusal in change_row
    for english in ("must be", "no skill", "slug", "makes no difference", "already has"):
        assert english not in change_row


def test_editor_says_in_place_when_writes_are_rate_limited(client, seed_role, settings):
    settings.PROPOSAL_WRITES_PER_MINUTE = 0
    _signed_in(client, UserFactory.create())
    data = {"rows": "1", "base_version": "1", "title": "t", "rationale": "r", **_row()}
    page = _editor(client, {**data, "action": "submit"})
    assert page.status_code == 429
    assert "Too many changes at once" in page.content.decode()
    fragment = _editor(client, {**data, "action": "submit"}, htmx=True)
    assert fragment.status_code == 429
    assert fragment["Retry-After"]
    assert fragment["X-Refusal-Fragment"] == "1"
    body = fragment.content.decode()
    assert "Too many changes at once. Please wait 1 minute(s)" in body
    assert 'value="t"' in body  # what was typed is kept
    assert not Proposal.objects.exists()


def test_pages_in_spanish(client, proposal):
    page = client.get(f"/proposals/{proposal.pk}/", HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert "Inicie sesión para votar" in page
    assert "En votación" in page
    listing = client.get("/proposals/", HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert "Cierran pronto" in listing


@pytest.mark.parametrize(
    ("fields", "text"),
    [
        ({"status": "expired"}, "too few members voted"),
        ({"status": "rejected"}, "Rejected by the community vote"),
        ({"status": "withdrawn"}, "Withdrawn by its author"),
        (
            {"status": "conflict", "conflicts": ["cell:docker:senior"]},
            "these places of the role changed after the version it was written against",
        ),
        (
            {"status": "rejected", "moderation_reason": "Off topic"},
            "Rejected by the moderators",
        ),
    ],
)
def test_decision_records(client, proposal, fields, text):
    # In the morning, whose English time ends in "a.m.": never followed by a second full stop.
    morning = proposal.created_at.replace(hour=9, minute=5)
    Proposal.objects.filter(pk=proposal.pk).update(decided_at=morning, **fields)
    page = client.get(f"/proposals/{proposal.pk}/").content.decode()
    assert text in page
    assert "a.m.." not in page
    assert "The discussion is closed." in page
    if fields["status"] == "conflict":
        assert "<li>Docker · Senior</li>" in page  # the place in words, not its key (issue 18)


def test_writes_are_rate_limited_per_member(client, proposal, settings):
    from rest_framework.test import APIClient

    settings.PROPOSAL_WRITES_PER_MINUTE = 2
    voter = UserFactory.create()
    _signed_in(client, voter)
    url = f"/proposals/{proposal.pk}/vote/"
    assert client.post(url, {"value": "1"}).status_code == 303
    assert client.post(url, {"value": "-1"}).status_code == 303
    limited = client.post(url, {"value": "1"})
    assert limited.status_code == 429
    assert limited["Retry-After"]
    assert Vote.objects.get(voter=voter).value == -1
    # With htmx, the votes fragment says so in place (marked for swapping).
    in_place = client.post(url, {"value": "1"}, HTTP_HX_REQUEST="true")
    assert in_place.status_code == 429
    assert in_place["Retry-After"]
    assert in_place["X-Refusal-Fragment"] == "1"
    assert "Too many changes at once. Please wait 1 minute(s)" in in_place.content.decode()
    assert "<html" not in in_place.content.decode()
    # The API shares the member's budget.
    api = APIClient()
    api.force_authenticate(voter)
    response = api.post(f"/api/v1/proposals/{proposal.pk}/vote/", {"value": 1}, format="json")
    assert response.status_code == 429
    assert response["Retry-After"]


@pytest.mark.parametrize(
    ("language", "sentence"),
    [
        (
            "en",
            "Too many changes at once. Please wait 1 minute(s) before voting, commenting or "
            "proposing again.",
        ),
        (
            "es",
            "Demasiados cambios a la vez. Espere 1 minuto(s) antes de volver a votar, comentar o "
            "proponer.",
        ),
    ],
)
def test_the_writes_limit_says_one_thing_on_pages_and_api(
    client, proposal, settings, language, sentence
):
    from rest_framework.test import APIClient

    settings.PROPOSAL_WRITES_PER_MINUTE = 0
    member = UserFactory.create()
    _signed_in(client, member)
    url = f"/proposals/{proposal.pk}/vote/"
    page = client.post(url, {"value": "1"}, HTTP_ACCEPT_LANGUAGE=language)
    in_place = client.post(
        url, {"value": "1"}, HTTP_HX_REQUEST="true", HTTP_ACCEPT_LANGUAGE=language
    )
    data = {"rows": "1", "base_version": "1", "title": "t", "rationale": "r", **_row()}
    editor = client.post(
        "/proposals/new/?role=mlops-engineer",
        {**data, "action": "submit"},
        HTTP_HX_REQUEST="true",
        HTTP_ACCEPT_LANGUAGE=language,
    )
    api = APIClient()
    api.force_authenticate(member)
    answer = api.post(
        f"/api/v1/proposals/{proposal.pk}/vote/",
        {"value": 1},
        format="json",
        HTTP_ACCEPT_LANGUAGE=language,
    )

    for response in (page, in_place, editor, answer):
        assert response.status_code == 429
        assert response["Retry-After"] == "30"  # the test clock stands mid-minute
    for response in (page, in_place, editor):
        assert sentence in response.content.decode()
    assert answer.json() == {"message": sentence}


def test_nul_characters_in_filters_match_nothing(client, proposal):
    response = client.get("/proposals/touching/?role=mlops%00&skill=docker%00")
    assert response.status_code == 200
    assert "Seniors master Docker" not in response.content.decode()
    assert client.get("/api/v1/proposals/?role=a%00b").json()["count"] == 0
