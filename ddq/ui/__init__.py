"""Shared Streamlit pieces: the only part of ddq that imports streamlit."""
