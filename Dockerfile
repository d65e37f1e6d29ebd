FROM python:3.11-slim
WORKDIR /app
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
COPY . .
RUN useradd --create-home app && mkdir -p instance && chown app instance
USER app
EXPOSE 5000
CMD ["gunicorn", "-c", "gunicorn.conf.py", "-b", "0.0.0.0:5000", "app:app"]
