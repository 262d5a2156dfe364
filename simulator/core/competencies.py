"""The catalogue of competencies the lab knows, with their titles.

Scenarios assess a subset of these, so that results from different scenarios meet in one
competency matrix. A scenario may declare a competency the catalogue lacks by giving it a
``title``; a misspelt id without one is an error with a "did you mean".
"""

from __future__ import annotations

CATALOGUE: dict[str, dict[str, str]] = {
    "empathy": {"en": "Empathy", "pl": "Empatia"},
    "active_listening": {"en": "Active listening", "pl": "Aktywne słuchanie"},
    "ownership": {"en": "Ownership", "pl": "Odpowiedzialność"},
    "problem_solving": {"en": "Problem solving", "pl": "Rozwiązywanie problemów"},
    "positive_language": {"en": "Positive language", "pl": "Pozytywny język"},
    "de_escalation": {"en": "De-escalation", "pl": "Deeskalacja"},
    "questioning": {"en": "Questioning (the funnel)", "pl": "Zadawanie pytań (lejek)"},
    "objection_handling": {"en": "Handling objections", "pl": "Obsługa obiekcji"},
    "personalisation": {"en": "Personalisation", "pl": "Personalizacja"},
    "discretion": {"en": "Discretion", "pl": "Dyskrecja"},
    "anticipation": {"en": "Anticipating needs", "pl": "Przewidywanie potrzeb"},
    "product_knowledge": {"en": "Product knowledge", "pl": "Znajomość produktu"},
    "data_protection": {"en": "Data protection", "pl": "Ochrona danych"},
    "diagnosis": {"en": "Diagnosis", "pl": "Diagnoza"},
    "legal_knowledge": {"en": "Legal basics", "pl": "Podstawy prawne"},
    "upsell": {"en": "Upsell and cross-sell", "pl": "Sprzedaż dodatkowa"},
    "rapport": {"en": "Rapport and small talk", "pl": "Budowanie relacji"},
    "proactivity": {"en": "Proactive support", "pl": "Proaktywne wsparcie"},
    "closing": {"en": "Closing the conversation", "pl": "Zamykanie rozmowy"},
}


def competency_title(competency: str, language: str = "en") -> str:
    """The title of a catalogue competency, or the id made readable."""
    titles = CATALOGUE.get(competency)
    if titles:
        return titles.get(language) or titles["en"]
    return competency.replace("_", " ").capitalize()
