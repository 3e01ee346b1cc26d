# The email preference now lives in the site's app (skillsmatrix 0002 copied its rows there).

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('proposals', '0002_notifications_and_email_preferences'),
        ('skillsmatrix', '0002_email_preference'),
    ]

    operations = [
        migrations.DeleteModel(
            name='EmailPreference',
        ),
    ]
