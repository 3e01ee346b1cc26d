"""Membership: allauth's configuration, the profile page and the checks other apps reuse."""
