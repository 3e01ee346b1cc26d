"""allauth's messages that our own catalogue translates again.

The site's Spanish addresses the reader as *usted*, as Django's and most of allauth's Spanish
do; these few allauth strings, which members meet on the sign-up, confirmation and email pages
and in the confirmation email, say *tú* in allauth's catalogue (one even mixes both). Listing
their exact msgids here puts them in ``locale/es`` (``make messages`` finds them), and
``LOCALE_PATHS`` comes before the apps' catalogues, so our translation is the one shown.
Nothing imports this module: it only marks the strings.
"""

from __future__ import annotations

from django.utils.translation import gettext_noop

ALLAUTH_MESSAGES = (
    # allauth/account/adapter.py: a form answered while its rate limit is reached.
    gettext_noop("Be patient, you are sending too many requests."),
    gettext_noop("Please select only one."),
    # account/email/email_confirmation_message.txt: the email that confirms an address.
    gettext_noop(
        "You're receiving this email because user %(user_display)s has given your email "
        "address to register an account on %(site_domain)s."
    ),
    gettext_noop("To confirm this is correct, go to %(activate_url)s"),
    # account/verification_sent.html (/accounts/confirm-email/).
    gettext_noop(
        "We have sent an email to you for verification. Follow the link provided to finalize "
        "the signup process. If you do not see the verification email in your main inbox, "
        "check your spam folder. Please contact us if you do not receive the verification "
        "email within a few minutes."
    ),
    # account/verified_email_required.html: what proposing, voting and commenting show first.
    gettext_noop(
        '<strong>Note:</strong> you can still <a href="%(email_url)s">change your email '
        "address</a>."
    ),
)
