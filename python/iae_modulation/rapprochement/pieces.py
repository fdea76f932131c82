"""Ce que disent le texte d'un acte et son PDF, qui est ce qu'on signe et ce qu'on envoie : le
PDF est celui que son manifeste a consigné, et son texte, comme celui du document Word, contient
chaque valeur attendue (numéro ou référence, montants, identité de la structure). Le PDF à
imprimer des lettres est fait, page pour page, des PDF des lettres de son lot.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from iae_modulation.rapprochement.inventaire import Acte, Fichier
from iae_modulation.rapprochement.textes import (
    ILLISIBLE,
    PdfIllisible,
    absentes,
    empreintes_des_pages,
)

CITEES = 4  # valeurs manquantes citées dans un écart ; au-delà, leur nombre


def _liste(manquantes: list[str]) -> str:
    texte = ", ".join(manquantes[:CITEES])
    if len(manquantes) > CITEES:
        texte += f" et {len(manquantes) - CITEES} autre(s) valeur(s)"
    return texte


def verifier_texte_docx(acte: Acte, attendues: dict[str, str]) -> list[str]:
    """Ce que le document Word ne dit pas de ce que portent ses données (rien : [])."""
    manquantes = absentes(acte.texte, attendues)
    if not manquantes:
        return []
    return [f"{acte.docx.nom} ne dit pas {_liste(manquantes)} (ses données intégrées le disent)"]


def verifier_adresse(acte: Acte, identite: dict[str, str]) -> list[str]:
    """La lettre nomme la structure du grand livre : SIRET, raison sociale et adresse (rien :
    [])."""
    manquantes = absentes(acte.texte, identite)
    if not manquantes:
        return []
    return [
        "la lettre n'est pas adressée à la structure du grand livre "
        f"({_liste(manquantes)} absent(s) de {acte.docx.nom})"
    ]


def verifier_pdf(acte: Acte, attendues: dict[str, str], textes: dict[Path, str]) -> list[str]:
    """Les problèmes du PDF de l'acte : absent du manifeste ou modifié, illisible, ou qui ne dit
    pas ce que disent les données du document Word (le PDF d'un autre acte) ; `textes` : le
    texte compact des PDF (`textes.textes_pdf`)."""
    if acte.pdf is None:
        return []
    if acte.pdf.probleme:
        return [f"PDF : {acte.pdf.probleme}"]
    texte = textes[acte.pdf.chemin]
    if texte.startswith(ILLISIBLE):
        return [f"PDF : {texte.removeprefix(ILLISIBLE)}"]
    manquantes = absentes(texte, attendues)
    if not manquantes:
        return []
    return [
        f"{acte.pdf.nom} n'est pas le PDF de {acte.docx.nom} : il ne dit pas {_liste(manquantes)}"
    ]


def verifier_a_imprimer(fusion: Fichier, lettres: list[Acte]) -> list[str]:
    """Le PDF à imprimer d'un lot est la suite des PDF de ses lettres, chacune une fois, page pour
    page (même contenu de page) : une page étrangère, une lettre absente ou en double est un
    écart."""
    if fusion.probleme:
        return [fusion.probleme]
    try:
        pages = empreintes_des_pages(fusion.chemin)
    except PdfIllisible as erreur:
        return [str(erreur)]
    par_premiere: dict[str, list[tuple[Path, list[str]]]] = {}
    problemes = []
    for acte in lettres:
        if acte.pdf is None or acte.pdf.probleme:
            continue
        try:
            empreintes = empreintes_des_pages(acte.pdf.chemin)
        except PdfIllisible:
            continue  # signalé avec la lettre
        if empreintes:
            par_premiere.setdefault(empreintes[0], []).append((acte.pdf.chemin, empreintes))
    trouvees: list[Path] = []
    etrangeres: list[int] = []
    position = 0
    while position < len(pages):
        candidates = par_premiere.get(pages[position], [])
        suite = next(
            (
                (chemin, empreintes)
                for chemin, empreintes in candidates
                if pages[position : position + len(empreintes)] == empreintes
            ),
            None,
        )
        if suite is None:
            etrangeres.append(position + 1)
            position += 1
            continue
        trouvees.append(suite[0])
        position += len(suite[1])
    if etrangeres:
        citees = ", ".join(map(str, etrangeres[:10])) + ("…" if len(etrangeres) > 10 else "")
        problemes.append(
            f"{fusion.nom} : {len(etrangeres)} page(s) qui ne sont celles d'aucune lettre du lot "
            f"(page(s) {citees})"
        )
    attendues = {chemin for groupe in par_premiere.values() for chemin, _ in groupe}
    absentes_ = sorted(p.name for p in attendues - set(trouvees))
    doubles = sorted(p.name for p, nombre in Counter(trouvees).items() if nombre > 1)
    if absentes_:
        problemes.append(f"{fusion.nom} : lettre(s) absente(s) : {_liste(absentes_)}")
    if doubles:
        problemes.append(f"{fusion.nom} : lettre(s) imprimée(s) deux fois : {_liste(doubles)}")
    return problemes
