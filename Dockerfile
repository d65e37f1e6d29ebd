FROM python:3.11-slim
WORKDIR /app
ENV PYTHONUNBUFFERED=1 HOST=0.0.0.0 PORT=5000
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
COPY . .
RUN useradd --create-home app && mkdir -p instance && chown app instance
USER app
EXPOSE 5000
# Liveness: /healthz answers 200 while the process serves (its body says ok or degraded, with the reasons).
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:' + os.environ.get('PORT', '5000') + '/healthz', timeout=3)"]
# Bind, worker class, connections and the access log come from gunicorn.conf.py (HOST, PORT, ACCESS_LOG).
CMD ["gunicorn", "-c", "gunicorn.conf.py", "app:app"]
