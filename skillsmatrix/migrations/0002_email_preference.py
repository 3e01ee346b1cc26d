# The member's email preference moves from proposals to the site (it is member-wide): the new
# table is created and filled from proposals' here; proposals 0003 then drops the old one.

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def _copy(apps, source, target):
    old = apps.get_model(*source)
    new = apps.get_model(*target)
    new.objects.bulk_create(
        [
            new(user_id=row.user_id, language=row.language, proposal_emails=row.proposal_emails)
            for row in old.objects.order_by("pk").iterator()
        ],
        batch_size=1000,
    )


def copy_from_proposals(apps, schema_editor):
    _copy(apps, ("proposals", "EmailPreference"), ("skillsmatrix", "EmailPreference"))


def copy_back_to_proposals(apps, schema_editor):
    _copy(apps, ("skillsmatrix", "EmailPreference"), ("proposals", "EmailPreference"))


class Migration(migrations.Migration):

    dependencies = [
        ('skillsmatrix', '0001_rate_limit_entry'),
        ('proposals', '0002_notifications_and_email_preferences'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='EmailPreference',
            fields=[
                ('user', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, primary_key=True, related_name='email_preference', serialize=False, to=settings.AUTH_USER_MODEL, verbose_name='user')),
                ('language', models.CharField(choices=[('en', 'English'), ('es', 'Spanish')], default='en', max_length=10, verbose_name='language')),
                ('proposal_emails', models.BooleanField(default=True, help_text='Status changes of your proposals, and proposals waiting for your review.', verbose_name='emails about proposals')),
            ],
            options={
                'verbose_name': 'email preference',
                'verbose_name_plural': 'email preferences',
                'constraints': [models.CheckConstraint(condition=models.Q(('language__in', ['en', 'es'])), name='emailpreference_language_valid')],
            },
        ),
        migrations.RunPython(copy_from_proposals, copy_back_to_proposals),
    ]
