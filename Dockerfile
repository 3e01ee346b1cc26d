FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app
COPY pyproject.toml README.md ./
RUN pip install --no-cache-dir .
COPY . .
RUN DJANGO_SECRET_KEY=collectstatic python manage.py collectstatic --no-input
RUN useradd --create-home app
USER app
EXPOSE 8000
CMD ["gunicorn", "skillsmatrix.wsgi", "--bind", "0.0.0.0:8000", "--workers", "3"]
