# SkinScan in a container: the app on port 8501, served through LiteRT (no Keras or TensorFlow is
# imported to answer a photo; `requirements.txt` still installs them for the build side's commands).
#   docker build -t skinscan . && docker run --rm -p 8501:8501 skinscan
FROM python:3.12-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /app
COPY requirements.txt .
RUN pip install -r requirements.txt

COPY app.py ./
COPY .streamlit/ .streamlit/
COPY skinscan_ui/ skinscan_ui/
COPY weights/ weights/
COPY data/ data/
RUN useradd --create-home skinscan
USER skinscan

EXPOSE 8501
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
  CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://localhost:8501/_stcore/health', timeout=4)"]
CMD ["streamlit", "run", "app.py", "--server.port=8501", "--server.address=0.0.0.0"]
