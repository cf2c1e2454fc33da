# The portal's image: web (gunicorn), worker (celery) and the one-shot migrate share it.
FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 DJANGO_SETTINGS_MODULE=config.settings.production
RUN apt-get update \
 && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core \
    postgresql-client \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY requirements.lock .
RUN pip install --no-cache-dir -r requirements.lock
COPY . .
RUN SECRET_KEY=build-only-collectstatic-key-0123456789-abcdefghijklmnopqrstuvwxyz \
    DATABASE_URL=postgres://build@localhost/build python manage.py collectstatic --noinput
# Every volume's mount point exists in the image, owned by the user the containers run as: an
# empty named volume takes the mount point's owner, so `portal` can write documents and backups.
RUN useradd --create-home --uid 10001 portal \
 && mkdir -p /data/documents /backups \
 && chown portal:portal /data/documents /backups
USER portal
EXPOSE 8000
CMD ["gunicorn", "-c", "deploy/gunicorn.conf.py", "config.wsgi:application"]
