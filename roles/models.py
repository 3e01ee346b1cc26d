"""The roles domain: families, roles, their levels, global skill domains and skills, where a
skill sits in a role, the requirement cells of the matrix, and the role's versions."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from roles.scale import CODE_NAMES


class RequirementCode(models.TextChoices):
    """The codes of the scale (roles.scale) with their names in the visitor's language (the
    names are marked for translation where the scale defines them)."""

    AWARENESS = "A", _(CODE_NAMES["A"])
    WORKING = "W", _(CODE_NAMES["W"])
    EXPERT = "E", _(CODE_NAMES["E"])


class Framework(models.Model):
    """A career framework: the namespace of its skills, domains, scales and tracks (DESIGN §4b).
    v1 roles belong to the site's own framework, ``skillsmatrix``."""

    slug = models.SlugField(_("slug"), max_length=100, unique=True)
    name = models.CharField(_("name"), max_length=500)
    description = models.TextField(_("description"), blank=True)
    # The v2 ``framework.source`` object as JSON text (url, licence, attribution, version,
    # notes and x- keys, in document order: a jsonb column would reorder them).
    source = models.TextField(_("source"), default="{}", blank=True)
    # The x- keys of the framework object and of a v2 document's top level, as JSON text.
    extensions = models.TextField(_("extensions"), default="{}", blank=True)
    root_extensions = models.TextField(_("document extensions"), default="{}", blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("framework")
        verbose_name_plural = _("frameworks")

    def __str__(self) -> str:
        return self.name


class Scale(models.Model):
    """A framework's scale of ordered steps; the built-in ``awe`` has no row."""

    framework = models.ForeignKey(
        Framework, on_delete=models.CASCADE, related_name="scales", verbose_name=_("framework")
    )
    slug = models.SlugField(_("slug"), max_length=100)
    name = models.CharField(_("name"), max_length=500)
    description = models.TextField(_("description"), blank=True)
    # The steps, lowest first, in their v2 document form (JSON text: order and x- keys kept).
    steps = models.TextField(_("steps"), default="[]")
    extensions = models.TextField(_("extensions"), default="{}", blank=True)
    position = models.PositiveIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["framework", "position", "id"]
        verbose_name = _("scale")
        verbose_name_plural = _("scales")
        constraints = [
            models.UniqueConstraint(fields=["framework", "slug"], name="scale_unique_slug"),
            models.CheckConstraint(condition=~Q(slug="awe"), name="scale_not_builtin"),
        ]

    def __str__(self) -> str:
        return self.name


class Track(models.Model):
    """A parallel branch of a framework's ladders (individual contributor, manager …)."""

    framework = models.ForeignKey(
        Framework, on_delete=models.CASCADE, related_name="tracks", verbose_name=_("framework")
    )
    code = models.SlugField(_("code"), max_length=50)
    name = models.CharField(_("name"), max_length=500)
    description = models.TextField(_("description"), blank=True)
    extensions = models.TextField(_("extensions"), default="{}", blank=True)
    position = models.PositiveIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["framework", "position", "id"]
        verbose_name = _("track")
        verbose_name_plural = _("tracks")
        constraints = [
            models.UniqueConstraint(fields=["framework", "code"], name="track_unique_code"),
        ]

    def __str__(self) -> str:
        return self.name


def site_framework_id() -> int:
    """The site framework's id (created by the migrations), the default of framework keys."""
    return Framework.objects.get_or_create(slug="skillsmatrix", defaults={"name": "Skills Matrix"})[
        0
    ].pk


class RoleFamily(models.Model):
    slug = models.SlugField(_("slug"), max_length=100, unique=True)
    name = models.CharField(_("name"), max_length=200)

    class Meta:
        ordering = ["name"]
        verbose_name = _("role family")
        verbose_name_plural = _("role families")

    def __str__(self) -> str:
        return self.name


class Role(models.Model):
    family = models.ForeignKey(
        RoleFamily, on_delete=models.PROTECT, related_name="roles", verbose_name=_("family")
    )
    framework = models.ForeignKey(
        Framework,
        on_delete=models.PROTECT,
        related_name="roles",
        default=site_framework_id,
        verbose_name=_("framework"),
    )
    slug = models.SlugField(_("slug"), max_length=100, unique=True)
    title = models.CharField(_("title"), max_length=500)
    tagline = models.CharField(_("tagline"), max_length=300, blank=True)
    description = models.TextField(_("description"), blank=True)
    # Names of the role's key domains, in the order the role lists them.
    key_domains = models.JSONField(_("key domains"), default=list, blank=True)
    is_published = models.BooleanField(_("published"), default=True)
    # Where the role's data came from (a role file's "source"), kept and exported.
    source = models.CharField(_("source"), max_length=500, blank=True)
    # Names this role gives the codes where they differ from the scale's ({"E": "Masters"}).
    code_names = models.JSONField(_("code names"), default=dict, blank=True)
    # The x- keys of the role's document by place (roles.changes.state.RoleState.extensions), as
    # JSON text: a jsonb column would reorder their keys, and they are exported unchanged.
    extensions = models.TextField(_("extensions"), default="{}", blank=True)
    # Format v2: long texts are Markdown; how the role is shown ("" = matrix); its grading rule
    # (the v2 grading object as JSON text, "" = the default rule); the legend's descriptions.
    markdown = models.BooleanField(_("Markdown texts"), default=False)
    layout = models.CharField(
        _("layout"),
        max_length=20,
        blank=True,
        choices=[("matrix", _("Matrix")), ("checklist", _("Checklist")), ("steps", _("Steps"))],
    )
    grading = models.TextField(_("grading rule"), blank=True)
    code_descriptions = models.JSONField(_("code descriptions"), default=dict, blank=True)
    current_version = models.PositiveIntegerField(_("current version"), default=0)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["title"]
        verbose_name = _("role")
        verbose_name_plural = _("roles")

    def __str__(self) -> str:
        return self.title


class Level(models.Model):
    role = models.ForeignKey(
        Role, on_delete=models.CASCADE, related_name="levels", verbose_name=_("role")
    )
    code = models.SlugField(_("code"), max_length=50)
    name = models.CharField(_("name"), max_length=500)
    short_name = models.CharField(_("short name"), max_length=20)
    order = models.PositiveSmallIntegerField(_("order"))
    focus = models.TextField(_("focus"), blank=True)
    # Ordered list of technology names.
    stack = models.JSONField(_("tech stack"), default=list, blank=True)
    # v2: the band it sits on across roles, its track (none: on every path) and its sections
    # (v2 document form, JSON text).
    rank = models.PositiveSmallIntegerField(_("rank"), null=True, blank=True)
    track = models.ForeignKey(
        Track,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="levels",
        verbose_name=_("track"),
    )
    sections = models.TextField(_("sections"), default="[]", blank=True)

    class Meta:
        ordering = ["role", "order"]
        verbose_name = _("level")
        verbose_name_plural = _("levels")
        constraints = [
            models.UniqueConstraint(fields=["role", "code"], name="level_unique_code_per_role"),
            models.UniqueConstraint(fields=["role", "order"], name="level_unique_order_per_role"),
        ]

    def __str__(self) -> str:
        return f"{self.role} · {self.name}"


class SkillDomain(models.Model):
    framework = models.ForeignKey(
        Framework,
        on_delete=models.PROTECT,
        related_name="domains",
        default=site_framework_id,
        verbose_name=_("framework"),
    )
    slug = models.SlugField(_("slug"), max_length=100)
    name = models.CharField(_("name"), max_length=500)
    description = models.TextField(_("description"), blank=True)
    extensions = models.TextField(_("extensions"), default="{}", blank=True)
    position = models.PositiveIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["name"]
        verbose_name = _("skill domain")
        verbose_name_plural = _("skill domains")
        constraints = [
            models.UniqueConstraint(fields=["framework", "slug"], name="domain_unique_slug"),
        ]

    def __str__(self) -> str:
        return self.name


class Skill(models.Model):
    """A skill of a framework, shared by its roles: "Docker" means the same in every role."""

    framework = models.ForeignKey(
        Framework,
        on_delete=models.PROTECT,
        related_name="skills",
        default=site_framework_id,
        verbose_name=_("framework"),
    )
    slug = models.SlugField(_("slug"), max_length=100)
    name = models.CharField(_("name"), max_length=500)
    description = models.TextField(_("description"), blank=True)
    # v2: its scale (none: awe), what it looks like at each step (JSON text, step code ->
    # content), the domain the framework files it under, its own x- keys.
    scale = models.ForeignKey(
        Scale,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="skills",
        verbose_name=_("scale"),
    )
    steps = models.TextField(_("step content"), default="{}", blank=True)
    home_domain = models.ForeignKey(
        SkillDomain,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="home_skills",
        verbose_name=_("framework domain"),
    )
    extensions = models.TextField(_("extensions"), default="{}", blank=True)
    position = models.PositiveIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["name"]
        verbose_name = _("skill")
        verbose_name_plural = _("skills")
        constraints = [
            models.UniqueConstraint(fields=["framework", "slug"], name="skill_unique_slug"),
        ]

    def __str__(self) -> str:
        return self.name


class RoleSkill(models.Model):
    """Where a skill sits in one role: its domain there and its position in the matrix.

    ``order`` runs over the whole role; the skills of one domain are contiguous, so a domain's
    order in the role is the order of its first skill.
    """

    role = models.ForeignKey(
        Role, on_delete=models.CASCADE, related_name="role_skills", verbose_name=_("role")
    )
    skill = models.ForeignKey(
        Skill, on_delete=models.PROTECT, related_name="role_skills", verbose_name=_("skill")
    )
    domain = models.ForeignKey(
        SkillDomain, on_delete=models.PROTECT, related_name="role_skills", verbose_name=_("domain")
    )
    order = models.PositiveIntegerField(_("order"))
    # v2: what the skill means in this role, where the role says so.
    description = models.TextField(_("description in this role"), blank=True)

    class Meta:
        ordering = ["role", "order"]
        verbose_name = _("role skill")
        verbose_name_plural = _("role skills")
        constraints = [
            models.UniqueConstraint(fields=["role", "skill"], name="roleskill_unique_skill"),
            models.UniqueConstraint(fields=["role", "order"], name="roleskill_unique_order"),
        ]

    def __str__(self) -> str:
        return f"{self.role} · {self.skill}"


class Requirement(models.Model):
    """One non-empty cell of a role's matrix. An empty cell is the absence of a row.

    ``code`` is a step code of the skill's scale, ``n/a`` (does not apply at this level) or
    empty (a v2 cell with content only); which codes a scale has is checked by the change
    machinery, as a scale's steps are data."""

    role_skill = models.ForeignKey(
        RoleSkill, on_delete=models.CASCADE, related_name="requirements", verbose_name=_("skill")
    )
    level = models.ForeignKey(
        Level, on_delete=models.CASCADE, related_name="requirements", verbose_name=_("level")
    )
    code = models.CharField(_("code"), max_length=16, blank=True)
    is_mandatory = models.BooleanField(_("mandatory"), default=True)
    details = models.TextField(_("details"), blank=True)
    summary = models.CharField(_("summary"), max_length=500, blank=True)
    examples = models.JSONField(_("examples"), default=list, blank=True)
    # Links in their v2 document form (JSON text: order and x- keys kept).
    links = models.TextField(_("links"), default="[]", blank=True)

    class Meta:
        verbose_name = _("requirement")
        verbose_name_plural = _("requirements")
        constraints = [
            models.UniqueConstraint(fields=["role_skill", "level"], name="requirement_unique_cell"),
            # A cell that does not apply says nothing else.
            models.CheckConstraint(
                condition=~Q(code="n/a") | (Q(details="") & Q(summary="") & Q(links="[]")),
                name="requirement_na_is_bare",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.role_skill} @ {self.level.code}: {self.code}"


class RoleVersion(models.Model):
    """A full snapshot of a role (the §4 document) after each change."""

    class Source(models.TextChoices):
        IMPORT = "import", _("Import")
        ADMIN = "admin", _("Admin edit")
        PROPOSAL = "proposal", _("Accepted proposal")

    role = models.ForeignKey(
        Role, on_delete=models.CASCADE, related_name="versions", verbose_name=_("role")
    )
    number = models.PositiveIntegerField(_("number"))
    snapshot = models.JSONField(_("snapshot"))
    source = models.CharField(_("source"), max_length=20, choices=Source.choices)
    message = models.CharField(_("message"), max_length=500, blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="role_versions",
        verbose_name=_("author"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    # The change list (roles.changes JSON form) and what it changed: the cells with old and new
    # content, and every changed place (for conflict detection against later change sets).
    changes = models.JSONField(_("changes"), default=list, blank=True)
    changed_cells = models.JSONField(_("changed cells"), default=list, blank=True)
    places = models.JSONField(_("changed places"), default=list, blank=True)
    # The accepted proposal this version applied. A plain number, not a foreign key: roles must
    # not depend on proposals (dependencies point proposals -> roles, DESIGN §3), and the
    # proposals app reads it back as Proposal.objects.filter(pk=version.proposal_id).
    proposal_id = models.PositiveBigIntegerField(_("proposal"), null=True, blank=True)

    class Meta:
        ordering = ["role", "-number"]
        verbose_name = _("role version")
        verbose_name_plural = _("role versions")
        constraints = [
            models.UniqueConstraint(fields=["role", "number"], name="roleversion_unique_number"),
            models.CheckConstraint(condition=Q(number__gte=1), name="roleversion_number_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.role} v{self.number}"
