FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app
COPY pyproject.toml README.md ./
COPY requirements/constraints.txt requirements/
# The production dependencies at the versions CI tested.
RUN pip install --no-cache-dir -c requirements/constraints.txt .
COPY . .
# Hashed, compressed (gzip and Brotli) copies and their manifest, which production settings
# (DEBUG off) serve with a far-future max-age.
RUN DJANGO_SECRET_KEY=collectstatic python manage.py collectstatic --no-input -v0
RUN useradd --create-home app
USER app
EXPOSE 8000
CMD ["gunicorn", "skillsmatrix.wsgi", "--bind", "0.0.0.0:8000", "--workers", "3"]
