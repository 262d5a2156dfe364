"""The review lab's words, in English and Polish (``ReviewLab(lang=…)``). Trusted HTML: see ``text``."""

from __future__ import annotations

WORDS: dict[str, dict[str, str]] = {
    "en": {
        "thousands": ",",
        "error": "Something went wrong on our side. Nothing was lost — please try again.",
        "hub_refused": (
            "<b>{name}</b>, the review lab is for reviewers. Ask the lab's admin to add you to the "
            "<code>reviewers</code> group."
        ),
        # the store
        "reviewing": "Reviewing <b>{count}</b> sessions from the results store <code>{location}</code>.",
        "demo_asked": "You asked for demo data",
        "demo_empty": "The results store <code>{location}</code> has no sessions yet",
        "demo_unnamed": "No results store is named (set <code>ROLEPLAY_STORE</code>)",
        "demo_note": (
            "<b>Demo data.</b> {why}, so this lab shows a demo store made just now in a temporary folder: "
            "{trainees} simulated trainees played {sessions} sessions ({completed} completed, {reviews} reviewed) "
            "through the real engine. Set <code>ROLEPLAY_STORE</code> to a store with results to review real "
            "trainees."
        ),
        # filters and the selection
        "team": "Team",
        "trainee": "Trainee",
        "scenario": "Scenario",
        "since": "From",
        "until": "To",
        "all_data": "All data",
        "selection": "{n} of {total} sessions · {trainees}",
        "one_trainee": "1 trainee",
        "trainees": "{n} trainees",
        "date_range": "{first} to {last}",
        "capped": (
            "Showing the {shown} most recently active of {trainees} trainees — filter by team or trainee to see "
            "the others."
        ),
        "view_failed": "This view failed",
        "details_in_log": "the details are in the server's log",
        # the views' titles
        "view_matrix": "Competency matrix",
        "view_kpis": "KPIs against targets",
        "view_progress": "Progress over attempts",
        "view_first_best_latest": "First, best and latest attempt",
        "view_items": "Item analysis per decision point",
        "view_not_understood": "Typed replies the lab did not understand",
        "view_certification": "Certification grades",
        "view_agreement": "Reviewer agreement",
        "view_self": "Self-assessment against score",
        # nothing to show
        "no_match": "No sessions match the filters.",
        "no_scored": "No completed, scored sessions match the filters.",
        "no_completed": "No completed sessions match the filters.",
        "no_turns": "No answered turns match the filters.",
        "all_understood": "Every typed reply in the selection was understood.",
        "no_self": "No self-assessments in the selection.",
        "no_session": "No such session.",
        "no_replies": "No replies.",
        # the competency matrix
        "level_0": "not yet",
        "level_1": "needs support",
        "level_2": "independent",
        "level_3": "can teach it",
        "level_below": "below {min}",
        "not_assessed": "not assessed",
        "matrix_totals": (
            "{trainees} trainees · {assessed} cells assessed of {cells} · mean level {mean} · evidence: the "
            "{evidence} completed attempt per scenario (reviewer's score where reviewed)"
        ),
        # KPIs
        "kpi_sessions": "sessions",
        "kpi_csat": "CSAT %",
        "kpi_fcr": "FCR %",
        "kpi_qa_score": "QA score",
        "kpi_pass_rate": "pass rate %",
        "kpi_aht": "AHT s",
        "kpi_targets": (
            "Targets (the rules file): {targets}. Completed sessions only; reviewed sessions count with the "
            "reviewer's pass/fail."
        ),
        "per_team": "Per team",
        "per_trainee": "Per trainee",
        # progress, first/best/latest
        "pass_mark": "pass mark",
        "progress_key": (
            "Score of each completed attempt, oldest to latest (dots: green passed, red failed; dashed: the "
            "scenario's pass mark; the number is the latest score)."
        ),
        "fbl_key": (
            "○ first · ◆ best · ● latest attempt on a 0–100 line. {better} improved, {worse} went down, "
            "{same} unchanged."
        ),
        "dumbbell_label": "first {first}, best {best}, latest {latest}",
        "col_trainee": "trainee",
        "col_scenario": "scenario",
        "col_attempts": "attempts",
        "col_first": "first",
        "col_best": "best",
        "col_latest": "latest",
        "col_improvement": "improvement",
        "col_first_latest": "first → latest",
        # certification
        "col_grade": "grade",
        "col_competencies_assessed": "competencies assessed",
        "col_mean_level": "mean level",
        "col_missing": "missing for the next grade",
        "for_grade": "for <b>{grade}</b>: {missing}",
        "top_grade": "top grade",
        # self-assessment
        "self_above": (
            "Trainees rate themselves <b>{points} points above</b> their score on average; the widest gap is "
            "{trainee}'s ({gap})."
        ),
        "self_below": (
            "Trainees rate themselves <b>{points} points below</b> their score on average; the widest gap is "
            "{trainee}'s ({gap})."
        ),
        "self_key": "● score (reviewer's where reviewed) · ○ self-assessment",
        "selfbar_label": "self {own}, score {score}",
        "col_assessed": "assessed",
        "col_self": "self",
        "col_score": "score",
        "col_gap": "gap",
        "col_score_self": "score → self",
        # item analysis, not understood
        "items_key": (
            "Per decision point: share of answers per option (green bar: the option was the best reply where "
            "chosen), mean mood change, and how many typed replies the lab did not understand there. Options "
            "nobody chose are listed with 0%. For typed replies: how often an option was proposed as "
            "“Did you mean …?”, confirmed from it, or reached by a trainee's correction (“that's not what I meant”)."
        ),
        "col_proposed": "proposed",
        "col_confirmed": "confirmed",
        "col_corrected": "corrected",
        "col_proposed_options": "proposed options",
        "dym_total": (
            "{confirmed} typed replies were confirmed from a “Did you mean …?” and {corrected} were corrected by "
            "the trainee (“that's not what I meant”): the matcher was unsure of them or wrong."
        ),
        "items_counts": "v{version} · {points} decision points · {answers} answers · {missed} not understood",
        "n_answers": "{n} answers",
        "n_not_understood": "{n} not understood",
        "col_option": "option",
        "col_share": "share",
        "col_chosen": "chosen",
        "col_mood": "mood",
        "not_understood_total": (
            "{replies} typed replies at {places} places were not understood. Replies that mean one of the "
            "options belong in its <code>phrasings</code>."
        ),
        "col_node": "node",
        "col_typed_reply": "typed reply",
        "col_times": "times",
        # reviewer agreement
        "none_reviewed": "No session in the selection has been reviewed, so agreement is unknown.",
        "only_reviewed": "{name} (only {n} reviewed)",
        "kappa_undefined": "{name} (κ undefined: every verdict the same)",
        "untrusted": (
            "<b>Automatic scoring cannot be trusted</b> for {names}: its pass/fail agrees with reviewers hardly "
            "better than chance (κ below {kappa}). Have a reviewer score these sessions."
        ),
        "trusted": "Automatic pass/fail agrees with reviewers for {names} (κ ≥ {kappa}).",
        "too_little": "Too little evidence to judge {names}.",
        "col_reviewed": "reviewed",
        "col_pass_agree": "pass/fail agree %",
        "col_kappa": "Cohen's κ",
        "col_score_r": "score r",
        "col_difference": "reviewer − auto",
        # one session
        "pass": "pass",
        "fail": "fail",
        "yes": "yes",
        "no": "no",
        "attempt": "attempt",
        "status_completed": "completed",
        "status_abandoned": "abandoned",
        "status_in_progress": "in_progress",
        "outcome_resolved": "resolved",
        "outcome_follow_up": "follow_up",
        "outcome_escalated": "escalated",
        "outcome_lost": "lost",
        "col_competency": "competency",
        "col_automatic": "automatic",
        "reviewer": "reviewer",
        "overall": "overall",
        "verdict": "verdict",
        "used_review": "the review by {reviewer}",
        "used_auto": "the automatic result (not reviewed)",
        "used_pass_mark": "; pass mark {mark}",
        "reports_use": "Reports use {used}{pass_mark}. The automatic result is kept.",
        "reviews": "Reviews",
        "session_kpis": (
            "CSAT {csat}/5 · FCR {fcr} · QA {qa}% · SLA {sla}% · handle time {handle_time} s · final mood {mood}"
        ),
        "critical_breach": "Critical breach",
        "transcript": "Transcript and debrief",
        "customer": "Customer",
        "typed": "typed",
        "clicked": "clicked",
        "not_understood_flag": "(not understood)",
        "option_n": "option {n}",
        "dym_proposed": "proposed (“Did you mean …?”): {options}",
        "dym_confirmed": "confirmed: {option}",
        "dym_declined": "none taken",
        "taken_for": "taken for {option}",
        "corrected_turn": "first taken for {first}, corrected to {meant}",
        "mood_change": "mood {before} → {after}, {change}",
        "best_reply": "best reply",
        "better": "Better",
        "breach": "Breach",
        # the session viewer and the review form
        "session": "Session",
        "reviewed_only": "reviewed only",
        "reviewed": "reviewed",
        "sessions_match": "{count} sessions match",
        "latest_offered": "; the latest {n} are offered",
        "your_review": "Your review",
        "reviewer_label": "Reviewer",
        "your_name": "your name",
        "overall_label": "Overall",
        "verdict_label": "Verdict",
        "comment_label": "Comment",
        "comment_placeholder": "what went well, what to practise",
        "save_review": "Save review",
        "not_finished": "This session was not finished; it can still be reviewed.",
        "pick_first": "Pick a session first.",
        "need_reviewer": "Enter your name as the reviewer.",
        "not_saved": "Not saved",
        "store_refused": "the results store could not take it (the details are in the server's log)",
        "out_of_range": "the {name} score, {score}, is outside 0-100",
        "saved_review": "Saved review #{id} by {reviewer}: {overall}, {verdict}. Reports now use it.",
        # sections (the bar at the top)
        "sections": "Sections of the review lab",
        "tab_matrix": "Competency matrix",
        "tab_sessions": "Sessions & reviews",
        "tab_kpis": "KPIs",
        "tab_progress": "Progress",
        "tab_first_best_latest": "First · best · latest",
        "tab_certification": "Certification",
        "tab_self": "Self-assessment",
        "tab_items": "Item analysis",
        "tab_not_understood": "Not understood",
        "tab_agreement": "Agreement",
        "tab_assignments": "Assignments",
        "view_sessions": "Session viewer and review form",
        "view_assignments": "Assignments",
        "about_matrix": (
            "Trainees × competencies, each cell a level 0–3 from the trainee's latest attempt at each scenario "
            "that assesses the competency (the reviewer's score where there is one). “–”: not assessed — no "
            "conversation reached the competency yet."
        ),
        "about_sessions": (
            "Find a session by trainee, scenario or date to read its transcript and debrief, with the automatic "
            "scores beside any reviewer's. Your review is stored beside the automatic result (never over it); "
            "a score you do not move is saved as it was, and every view then uses your review."
        ),
        "about_kpis": (
            "CSAT, FCR, QA score, pass rate and handle time per team and per trainee; green ✓ meets the target "
            "of the rules file, red ✗ does not."
        ),
        "about_progress": "Each trainee's score on each scenario they played, attempt by attempt.",
        "about_first_best_latest": (
            "Per trainee: how many scenarios improved from the first attempt to the latest. Open a trainee for "
            "the scenarios one by one."
        ),
        "about_certification": (
            "Employee → Specialist → Expert → Mentor by the rules file, and what each trainee still needs."
        ),
        "about_self": "Each trainee's own overall score of a session against the score it counts with.",
        "about_items": (
            "Per decision point of each scenario: which replies trainees choose, which was the best, what each "
            "does to the customer's mood, and where typed replies were not understood."
        ),
        "about_not_understood": "For the scenario's author: replies that mean one of the options belong in its "
        "<code>phrasings</code>.",
        "about_agreement": (
            "Per scenario, the reviewers' verdicts against the automatic ones: pass/fail agreement, Cohen's κ "
            "and the correlation of the scores."
        ),
        "about_assignments": (
            "Per assignment, each trainee of its group: completed on time, late, started or not started, with "
            "their attempts and best score. The CSV link downloads the table."
        ),
        # progress and first/best/latest, summarised
        "n_scenarios": "{n} scenarios",
        "one_scenario": "1 scenario",
        "fbl_trainee": (
            '{scenarios} · <span class="rp-up">▲ {better}</span> · <span class="rp-down">▼ {worse}</span> · '
            "= {same} · mean first {first} → latest {latest}"
        ),
        "progress_more": "Showing {shown} of {trainees} trainees; filter by team or trainee to narrow it.",
        # finding a session, and the form
        "filters": "Filters",
        "filters_tip": "Teams, trainees, scenarios and dates: every section shows what they select",
        "search": "Find",
        "search_placeholder": "trainee, scenario, date or status, e.g. anna 2026-01",
        "sessions_found": "{count} sessions match “{query}”",
        "one_sessions_found": "1 session matches “{query}”",
        "one_sessions_match": "1 session matches",
        "no_found": "No session matches the search; clear it to see them all.",
        "form_not_assessed": (
            "not assessed: this conversation never reached it. It is saved only if you move the slider."
        ),
    },
    "pl": {
        "thousands": "\u00a0",
        "error": "Coś poszło nie tak po naszej stronie. Nic nie zostało utracone — spróbuj ponownie.",
        "hub_refused": (
            "<b>{name}</b>, laboratorium przeglądu jest dla recenzentów. Poproś administratora o dodanie "
            "Cię do grupy <code>reviewers</code>."
        ),
        # the store
        "reviewing": "Przegląd <b>{count}</b> sesji z magazynu wyników <code>{location}</code>.",
        "demo_asked": "Poproszono o dane demonstracyjne",
        "demo_empty": "Magazyn wyników <code>{location}</code> nie ma jeszcze żadnej sesji",
        "demo_unnamed": "Nie wskazano magazynu wyników (ustaw <code>ROLEPLAY_STORE</code>)",
        "demo_note": (
            "<b>Dane demonstracyjne.</b> {why}, więc laboratorium pokazuje magazyn demonstracyjny utworzony przed "
            "chwilą w folderze tymczasowym: symulowani kursanci ({trainees}) rozegrali na prawdziwym silniku "
            "sesje: {sessions} (ukończone: {completed}, zrecenzowane: {reviews}). Ustaw <code>ROLEPLAY_STORE</code> "
            "na magazyn z wynikami, by przeglądać prawdziwych kursantów."
        ),
        # filters and the selection
        "team": "Zespół",
        "trainee": "Kursant",
        "scenario": "Scenariusz",
        "since": "Od",
        "until": "Do",
        "all_data": "Wszystkie dane",
        "selection": "{n} z {total} sesji · {trainees}",
        "one_trainee": "kursanci: 1",
        "trainees": "kursanci: {n}",
        "date_range": "{first} – {last}",
        "capped": (
            "Pokazano {shown} ostatnio aktywnych kursantów spośród {trainees} — filtruj według zespołu lub "
            "kursanta, by zobaczyć pozostałych."
        ),
        "view_failed": "Ten widok się nie powiódł",
        "details_in_log": "szczegóły są w dzienniku serwera",
        # the views' titles
        "view_matrix": "Macierz kompetencji",
        "view_kpis": "Wskaźniki a cele",
        "view_progress": "Postępy w kolejnych próbach",
        "view_first_best_latest": "Pierwsza, najlepsza i ostatnia próba",
        "view_items": "Analiza punktów decyzji",
        "view_not_understood": "Wpisane odpowiedzi, których laboratorium nie zrozumiało",
        "view_certification": "Stopnie certyfikacji",
        "view_agreement": "Zgodność z recenzentami",
        "view_self": "Samoocena a wynik",
        # nothing to show
        "no_match": "Żadna sesja nie pasuje do filtrów.",
        "no_scored": "Żadna ukończona i oceniona sesja nie pasuje do filtrów.",
        "no_completed": "Żadna ukończona sesja nie pasuje do filtrów.",
        "no_turns": "Żadna udzielona odpowiedź nie pasuje do filtrów.",
        "all_understood": "Każda wpisana odpowiedź w wybranych sesjach została zrozumiana.",
        "no_self": "Brak samoocen w wybranych sesjach.",
        "no_session": "Nie ma takiej sesji.",
        "no_replies": "Brak odpowiedzi.",
        # the competency matrix
        "level_0": "jeszcze nie",
        "level_1": "potrzebuje wsparcia",
        "level_2": "samodzielnie",
        "level_3": "może uczyć innych",
        "level_below": "poniżej {min}",
        "not_assessed": "nie oceniono",
        "matrix_totals": (
            "kursanci: {trainees} · ocenione komórki: {assessed} z {cells} · średni poziom {mean} · podstawa: "
            "próba „{evidence}” w każdym scenariuszu (wynik recenzenta, jeśli ją ocenił)"
        ),
        # KPIs
        "kpi_sessions": "sesje",
        "kpi_csat": "CSAT %",
        "kpi_fcr": "FCR %",
        "kpi_qa_score": "ocena QA",
        "kpi_pass_rate": "zaliczenia %",
        "kpi_aht": "AHT s",
        "kpi_targets": (
            "Cele (z pliku zasad): {targets}. Tylko ukończone sesje; sesje zrecenzowane liczą się z werdyktem "
            "recenzenta."
        ),
        "per_team": "Według zespołu",
        "per_trainee": "Według kursanta",
        # progress, first/best/latest
        "pass_mark": "próg zaliczenia",
        "progress_key": (
            "Wynik każdej ukończonej próby, od najstarszej do najnowszej (kropki: zielone zaliczone, czerwone "
            "niezaliczone; linia przerywana: próg zaliczenia scenariusza; liczba to ostatni wynik)."
        ),
        "fbl_key": (
            "○ pierwsza · ◆ najlepsza · ● ostatnia próba na skali 0–100. Poprawa: {better}, spadek: {worse}, "
            "bez zmian: {same}."
        ),
        "dumbbell_label": "pierwsza {first}, najlepsza {best}, ostatnia {latest}",
        "col_trainee": "kursant",
        "col_scenario": "scenariusz",
        "col_attempts": "próby",
        "col_first": "pierwsza",
        "col_best": "najlepsza",
        "col_latest": "ostatnia",
        "col_improvement": "zmiana",
        "col_first_latest": "pierwsza → ostatnia",
        # certification
        "col_grade": "stopień",
        "col_competencies_assessed": "ocenione kompetencje",
        "col_mean_level": "średni poziom",
        "col_missing": "brakuje do następnego stopnia",
        "for_grade": "do <b>{grade}</b>: {missing}",
        "top_grade": "najwyższy stopień",
        # self-assessment
        "self_above": (
            "Kursanci oceniają się średnio o <b>{points} pkt wyżej</b> niż ich wynik; największa różnica: "
            "{trainee} ({gap})."
        ),
        "self_below": (
            "Kursanci oceniają się średnio o <b>{points} pkt niżej</b> niż ich wynik; największa różnica: "
            "{trainee} ({gap})."
        ),
        "self_key": "● wynik (recenzenta, jeśli ocenił) · ○ samoocena",
        "selfbar_label": "samoocena {own}, wynik {score}",
        "col_assessed": "ocenione",
        "col_self": "samoocena",
        "col_score": "wynik",
        "col_gap": "różnica",
        "col_score_self": "wynik → samoocena",
        # item analysis, not understood
        "items_key": (
            "Dla każdego punktu decyzji: udział odpowiedzi na każdą opcję (zielony pasek: opcja była najlepszą "
            "odpowiedzią tam, gdzie ją wybrano), średnia zmiana nastroju i liczba wpisanych odpowiedzi, których "
            "laboratorium tam nie zrozumiało. Opcje, których nikt nie wybrał, mają 0%. Dla wpisanych odpowiedzi: "
            "ile razy opcję zaproponowano w „Czy chodziło o…?”, ile razy ją tam potwierdzono i ile razy kursant "
            "doszedł do niej poprawką („nie o to mi chodziło”)."
        ),
        "col_proposed": "proponowana",
        "col_confirmed": "potwierdzona",
        "col_corrected": "poprawiona",
        "col_proposed_options": "proponowane opcje",
        "dym_total": (
            "Wpisane odpowiedzi potwierdzone w „Czy chodziło o…?”: {confirmed}, poprawione przez kursanta "
            "(„nie o to mi chodziło”): {corrected}. Przy nich dopasowanie było niepewne albo błędne."
        ),
        "items_counts": "v{version} · punkty decyzji: {points} · odpowiedzi: {answers} · niezrozumiane: {missed}",
        "n_answers": "odpowiedzi: {n}",
        "n_not_understood": "niezrozumiane: {n}",
        "col_option": "opcja",
        "col_share": "udział",
        "col_chosen": "wybrano",
        "col_mood": "nastrój",
        "not_understood_total": (
            "Niezrozumiane wpisane odpowiedzi: {replies}, w miejscach: {places}. Odpowiedzi, które znaczą to samo "
            "co jedna z opcji, należą do jej <code>phrasings</code>."
        ),
        "col_node": "węzeł",
        "col_typed_reply": "wpisana odpowiedź",
        "col_times": "razy",
        # reviewer agreement
        "none_reviewed": "Żadnej z wybranych sesji nie zrecenzowano, więc zgodność jest nieznana.",
        "only_reviewed": "{name} (zrecenzowano tylko {n})",
        "kappa_undefined": "{name} (κ nieokreślone: wszystkie werdykty takie same)",
        "untrusted": (
            "<b>Automatycznej ocenie nie można ufać</b> w scenariuszach: {names}. Jej werdykt zgadza się z "
            "recenzentami niewiele częściej niż przypadkiem (κ poniżej {kappa}). Niech recenzent oceni te sesje."
        ),
        "trusted": "Automatyczny werdykt zgadza się z recenzentami w scenariuszach: {names} (κ ≥ {kappa}).",
        "too_little": "Za mało danych, by ocenić scenariusze: {names}.",
        "col_reviewed": "zrecenzowane",
        "col_pass_agree": "zgodność werdyktu %",
        "col_kappa": "κ Cohena",
        "col_score_r": "r wyników",
        "col_difference": "recenzent − auto",
        # one session
        "pass": "zaliczone",
        "fail": "niezaliczone",
        "yes": "tak",
        "no": "nie",
        "attempt": "próba",
        "status_completed": "ukończona",
        "status_abandoned": "przerwana",
        "status_in_progress": "w toku",
        "outcome_resolved": "rozwiązane",
        "outcome_follow_up": "umówiony kontakt",
        "outcome_escalated": "eskalacja",
        "outcome_lost": "klient stracony",
        "col_competency": "kompetencja",
        "col_automatic": "automatycznie",
        "reviewer": "recenzent",
        "overall": "ogółem",
        "verdict": "werdykt",
        "used_review": "recenzja {reviewer}",
        "used_auto": "wynik automatyczny (bez recenzji)",
        "used_pass_mark": "; próg zaliczenia {mark}",
        "reports_use": "Raporty używają: {used}{pass_mark}. Wynik automatyczny jest zachowany.",
        "reviews": "Recenzje",
        "session_kpis": (
            "CSAT {csat}/5 · FCR {fcr} · QA {qa}% · SLA {sla}% · czas obsługi {handle_time} s · końcowy nastrój {mood}"
        ),
        "critical_breach": "Poważne naruszenie",
        "transcript": "Przebieg rozmowy i omówienie",
        "customer": "Klient",
        "typed": "wpisana",
        "clicked": "kliknięta",
        "not_understood_flag": "(niezrozumiana)",
        "option_n": "opcja {n}",
        "dym_proposed": "proponowano („Czy chodziło o…?”): {options}",
        "dym_confirmed": "potwierdzono: {option}",
        "dym_declined": "żadnej nie przyjęto",
        "taken_for": "zrozumiana jako {option}",
        "corrected_turn": "najpierw zrozumiana jako {first}, poprawiona na {meant}",
        "mood_change": "nastrój {before} → {after}, {change}",
        "best_reply": "najlepsza odpowiedź",
        "better": "Lepiej",
        "breach": "Naruszenie",
        # the session viewer and the review form
        "session": "Sesja",
        "reviewed_only": "tylko zrecenzowane",
        "reviewed": "zrecenzowana",
        "sessions_match": "pasujące sesje: {count}",
        "latest_offered": "; pokazano {n} najnowszych",
        "your_review": "Twoja recenzja",
        "reviewer_label": "Recenzent",
        "your_name": "twoje imię",
        "overall_label": "Ogółem",
        "verdict_label": "Werdykt",
        "comment_label": "Komentarz",
        "comment_placeholder": "co poszło dobrze, co przećwiczyć",
        "save_review": "Zapisz recenzję",
        "not_finished": "Ta sesja nie została ukończona; nadal można ją zrecenzować.",
        "pick_first": "Najpierw wybierz sesję.",
        "need_reviewer": "Wpisz swoje imię jako recenzent.",
        "not_saved": "Nie zapisano",
        "store_refused": "magazyn wyników go nie przyjął (szczegóły są w dzienniku serwera)",
        "out_of_range": "ocena {name}, {score}, wykracza poza 0-100",
        "saved_review": "Zapisano recenzję nr {id} ({reviewer}): {overall}, {verdict}. Raporty już jej używają.",
        # sections (the bar at the top)
        "sections": "Części laboratorium przeglądu",
        "tab_matrix": "Macierz kompetencji",
        "tab_sessions": "Sesje i recenzje",
        "tab_kpis": "Wskaźniki",
        "tab_progress": "Postępy",
        "tab_first_best_latest": "Pierwsza · najlepsza · ostatnia",
        "tab_certification": "Certyfikacja",
        "tab_self": "Samoocena",
        "tab_items": "Analiza punktów",
        "tab_not_understood": "Niezrozumiane",
        "tab_agreement": "Zgodność",
        "tab_assignments": "Zadania",
        "view_sessions": "Przegląd sesji i formularz recenzji",
        "view_assignments": "Zadania",
        "about_matrix": (
            "Kursanci × kompetencje; w każdej komórce poziom 0–3 z ostatniej próby kursanta w każdym scenariuszu, "
            "który ocenia tę kompetencję (wynik recenzenta, jeśli jest). „–”: nie oceniono — żadna rozmowa "
            "jeszcze do tej kompetencji nie doszła."
        ),
        "about_sessions": (
            "Znajdź sesję według kursanta, scenariusza lub daty, by przeczytać przebieg rozmowy i omówienie, "
            "z wynikami automatycznymi obok wyników recenzenta. Twoja recenzja jest zapisywana obok wyniku "
            "automatycznego (nigdy w jego miejsce); ocena, której nie ruszysz, zostaje zapisana bez zmian, "
            "a wszystkie widoki używają potem Twojej recenzji."
        ),
        "about_kpis": (
            "CSAT, FCR, ocena QA, odsetek zaliczeń i czas obsługi według zespołu i kursanta; zielone ✓ spełnia "
            "cel z pliku zasad, czerwone ✗ nie."
        ),
        "about_progress": "Wynik każdego kursanta w każdym rozegranym scenariuszu, próba po próbie.",
        "about_first_best_latest": (
            "Dla każdego kursanta: w ilu scenariuszach ostatnia próba jest lepsza od pierwszej. Rozwiń kursanta, "
            "by zobaczyć scenariusze po kolei."
        ),
        "about_certification": (
            "Stopnie z pliku zasad (Employee → Specialist → Expert → Mentor) i czego każdemu kursantowi jeszcze "
            "brakuje do następnego."
        ),
        "about_self": "Własna ocena sesji przez kursanta a wynik, z którym sesja się liczy.",
        "about_items": (
            "Dla każdego punktu decyzji w każdym scenariuszu: które odpowiedzi wybierają kursanci, która była "
            "najlepsza, jak każda wpływa na nastrój klienta i gdzie wpisane odpowiedzi nie zostały zrozumiane."
        ),
        "about_not_understood": "Dla autora scenariusza: odpowiedzi, które znaczą to samo co jedna z opcji, "
        "należą do jej <code>phrasings</code>.",
        "about_agreement": (
            "Dla każdego scenariusza werdykty recenzentów a automatyczne: zgodność zaliczeń, κ Cohena i korelacja "
            "wyników."
        ),
        "about_assignments": (
            "Dla każdego zadania każdy kursant jego grupy: ukończone w terminie, po terminie, rozpoczęte lub "
            "nierozpoczęte, z liczbą prób i najlepszym wynikiem. Link CSV pobiera tabelę."
        ),
        # progress and first/best/latest, summarised
        "n_scenarios": "scenariusze: {n}",
        "one_scenario": "scenariusze: 1",
        "fbl_trainee": (
            '{scenarios} · <span class="rp-up">▲ {better}</span> · <span class="rp-down">▼ {worse}</span> · '
            "= {same} · średnio pierwsza {first} → ostatnia {latest}"
        ),
        "progress_more": "Pokazano {shown} z {trainees} kursantów; filtruj według zespołu lub kursanta, by zawęzić.",
        # finding a session, and the form
        "filters": "Filtry",
        "filters_tip": "Zespoły, kursanci, scenariusze i daty: każda część pokazuje to, co wybiorą",
        "search": "Szukaj",
        "search_placeholder": "kursant, scenariusz, data lub stan, np. anna 2026-01",
        "sessions_found": "pasujące do „{query}”: {count}",
        "one_sessions_found": "pasujące do „{query}”: 1",
        "one_sessions_match": "pasujące sesje: 1",
        "no_found": "Żadna sesja nie pasuje do wyszukiwania; wyczyść je, by zobaczyć wszystkie.",
        "form_not_assessed": (
            "nie oceniono: ta rozmowa do tego nie doszła. Ocena zostanie zapisana tylko, jeśli przesuniesz suwak."
        ),
    },
}
