FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /app
COPY pyproject.toml README.md ./
COPY requirements/constraints.txt requirements/
# The production dependencies at the versions CI tested.
RUN pip install --no-cache-dir -c requirements/constraints.txt .
COPY . .
# Hashed, compressed (gzip and Brotli) copies and their manifest, which production settings
# (DEBUG off) serve with a far-future max-age. Then the user the processes run as: a fixed
# numeric id, so Kubernetes' runAsNonRoot can tell it is not root, owning nothing in the image
# (the code is read-only to it; it writes only to /tmp: uploads past 2.5 MB, beat's schedule;
# and to PROMETHEUS_MULTIPROC_DIR, a tmpfs or emptyDir that compose and Kubernetes give web and
# the worker).
RUN DJANGO_SECRET_KEY=collectstatic python manage.py collectstatic --no-input -v0 \
    && useradd --uid 10001 --user-group --no-create-home --home-dir /nonexistent \
        --shell /usr/sbin/nologin app
USER 10001:10001
EXPOSE 8000
# No control socket (gunicornc): it would be made in a home directory this user does not have.
CMD ["gunicorn", "skillsmatrix.wsgi", "--bind", "0.0.0.0:8000", "--workers", "3", "--no-control-socket"]
