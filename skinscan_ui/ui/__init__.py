"""The Streamlit interface. Only this package imports Streamlit; it calls the core and holds no logic."""
