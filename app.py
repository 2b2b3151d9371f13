"""SkinScan: `streamlit run app.py`."""

import streamlit as st

st.set_page_config(page_title="SkinScan: skin-lesion classifier", page_icon="🔬", layout="wide")

from skinscan_ui.ui.app import main  # noqa: E402 - Streamlit wants the page set up before anything else

main()
