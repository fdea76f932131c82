"""Des documents de campagne conformes au contrat de l'issue 16 (formats16 : données intégrées,
numéro de décision, référence de lettre, registre des actes), fabriqués à partir de ceux que
l'outil produit : décisions et lettres reçoivent leurs données intégrées et leur numéro ou
référence dans le texte, le registre est écrit à côté du grand livre, les PDF sont refaits et
les manifestes remis d'accord, comme si l'outil les avait produits ainsi."""

from __future__ import annotations

import csv
import json
import os
import zipfile
from decimal import Decimal
from pathlib import Path

import openpyxl
from iae_modulation.documents.pdf import convertir_en_pdf, fusionner_pdf
from iae_modulation.documents.publipostage import ModeleCompile
from iae_modulation.lecture import lire_table
from iae_modulation.resultats import lire_grand_livre
from iae_modulation.sorties import sha256

ENTETES_REGISTRE = [
    "numero",
    "annee",
    "departement",
    "mesure",
    "statut",
    "remplace",
    "remplacee_par",
    "date_signature",
    "signataire",
    "autorite",
    "total",
    "nombre_structures",
    "grand_livre_sha256",
    "fichier_docx",
    "sha256_docx",
    "fichier_pdf",
    "sha256_pdf",
    "dossier_sortie",
    "date_enregistrement",
]


def remplacer_texte(docx: Path, ancien: str, nouveau: str) -> None:
    """Remplace un texte de word/document.xml (la première occurrence)."""
    with zipfile.ZipFile(docx) as archive:
        parties = {info: archive.read(info) for info in archive.infolist()}
    with zipfile.ZipFile(docx, "w", zipfile.ZIP_DEFLATED) as archive:
        for info, contenu in parties.items():
            if info.filename == "word/document.xml":
                texte = contenu.decode("utf-8")
                assert ancien in texte, f"{ancien!r} absent de {docx.name}"
                contenu = texte.replace(ancien, nouveau, 1).encode("utf-8")
            archive.writestr(info, contenu)


def integrer(docx: Path, donnees: dict) -> None:
    """Les données intégrées au document (partie XML personnalisée), son texte inchangé."""
    ModeleCompile(docx).ecrire({}, docx, donnees=donnees)


def _manifeste(dossier: Path) -> dict:
    return json.loads((dossier / "manifeste.json").read_text("utf-8"))


def remettre_manifeste(dossier: Path) -> None:
    """Les sorties du manifeste remises à chaque fichier du dossier et à son empreinte."""
    manifeste = _manifeste(dossier)
    manifeste["sorties"] = [
        {"fichier": chemin.relative_to(dossier).as_posix(), "sha256": sha256(chemin)}
        for chemin in sorted(dossier.rglob("*"))
        if chemin.is_file() and chemin.name != "manifeste.json"
    ]
    (dossier / "manifeste.json").write_text(json.dumps(manifeste), encoding="utf-8")


def _controle(tableau: Path) -> list[str]:
    return list(lire_table(tableau, "Contrôle").table["Identifiant (grand livre)"])


def completer_campagne(dossier: Path, *, signer: bool = True, pdf: bool = False) -> list[dict]:
    """Chaque décision et chaque lettre de `dossier` reçoit ses données intégrées (et, signée,
    son numéro) ; les décisions signées sont inscrites au registre à côté de leur grand livre ;
    `pdf` : les PDF sont refaits. Renvoie les lignes du registre écrites."""
    modifies: dict[Path, list[Path]] = {}
    ordre: dict[str, int] = {}  # lettre -> rang de sa structure au grand livre
    registre: dict[Path, list[dict]] = {}
    for manifeste in sorted(Path(dossier).rglob("manifeste.json")):
        execution = manifeste.parent
        contenu = _manifeste(execution)
        if contenu["commande"] not in ("annexe5", "notifications"):
            continue
        resultats = next((e for e in contenu["entrees"] if e["role"] == "resultats"), None)
        # au taux forfaitaire de 2014 (sans grand livre) : le registre va dans son dossier
        livre = None if resultats is None else lire_grand_livre(Path(resultats["fichier"]))
        par_id = {ligne["identifiant"]: ligne for ligne in livre.lignes} if livre else {}
        for docx in sorted(execution.glob("*.docx")):
            if contenu["commande"] == "annexe5":
                ligne = _decision(docx, par_id, livre, signer, contenu["options"]["annee"])
                if ligne is not None:
                    dossier_registre = Path(resultats["fichier"]).parent if livre else execution
                    registre.setdefault(dossier_registre, []).append(ligne)
            else:
                _lettre(docx, par_id, livre, signer)
                ordre[docx.stem] = list(par_id).index(
                    docx.stem.removeprefix("PROJET_").removeprefix("notification_")
                )
            modifies.setdefault(execution, []).append(docx)
    for execution, docx in modifies.items():
        if pdf:
            pdfs = convertir_en_pdf(docx, execution)
            if _manifeste(execution)["commande"] == "notifications":
                nom = ("" if signer else "PROJET_") + "notifications_a_imprimer.pdf"
                fusionner_pdf(sorted(pdfs, key=lambda p: ordre[p.stem]), execution / nom)
    lignes = []
    for dossier_livre, actes in registre.items():
        for acte in actes:
            docx = Path(acte.pop("chemin"))
            acte["fichier_docx"] = _relatif(docx, dossier_livre)
            acte["sha256_docx"] = sha256(docx)
            if docx.with_suffix(".pdf").is_file():
                acte["fichier_pdf"] = _relatif(docx.with_suffix(".pdf"), dossier_livre)
                acte["sha256_pdf"] = sha256(docx.with_suffix(".pdf"))
        ecrire_registre(dossier_livre, actes)
        lignes += actes
    for execution in modifies:
        remettre_manifeste(execution)
    return lignes


def _relatif(chemin: Path, base: Path) -> str:
    return Path(os.path.relpath(chemin, base)).as_posix()


def ecrire_registre(dossier: Path, actes: list[dict]) -> Path:
    """`registre.csv` (formats16) : UTF-8 avec BOM, « ; », une ligne par décision signée."""
    chemin = Path(dossier) / "registre.csv"
    with open(chemin, "w", encoding="utf-8-sig", newline="") as fichier:
        ecriture = csv.DictWriter(fichier, ENTETES_REGISTRE, delimiter=";", restval="")
        ecriture.writeheader()
        ecriture.writerows(actes)
    return chemin


def _payes(tableau: Path) -> list[Decimal]:
    """Le montant payé de chaque ligne de la feuille « Tableau » (colonne de la note), jusqu'à
    la ligne « Total »."""
    rangees = list(openpyxl.load_workbook(tableau)["Tableau"].iter_rows(values_only=True))
    for numero, rangee in enumerate(rangees):
        for colonne, valeur in enumerate(rangee):
            if str(valeur or "").startswith(("Montant prévu modulation", "Montant modulé prévu")):
                payes = []
                for suite in rangees[numero + 1 :]:
                    if suite[0] == "Total":
                        return payes
                    payes.append(Decimal(str(suite[colonne])).quantize(Decimal("0.01")))
    raise AssertionError(f"{tableau.name} : colonne du montant introuvable")


def _decision(docx: Path, par_id: dict, livre, signer: bool, annee: int) -> dict | None:
    nom = docx.stem.removeprefix("PROJET_")
    _, _, mesure, departement = nom.split("_")
    tableau = docx.parent / f"annexe5_{mesure}_{departement}.xlsx"
    identifiants = _controle(tableau)
    if livre is None:  # taux forfaitaire : le montant du tableau
        payes = _payes(tableau)
        lignes = [
            {
                "identifiant": i,
                "siret": "",
                "montant_module": m,
                "regularisation": None,
                "montant_net": m,
            }
            for i, m in zip(identifiants, payes, strict=True)
        ]
    else:
        lignes = [par_id[identifiant] for identifiant in identifiants]
    total = sum((ligne["montant_net"] for ligne in lignes), Decimal(0))
    numero = f"{annee}-{departement}-{mesure}-001" if signer else None
    if numero:
        remplacer_texte(docx, "DÉCISION DE PAIEMENT", f"DÉCISION DE PAIEMENT n° {numero}")
    integrer(
        docx,
        {
            "type": "decision_asp",
            "version": 1,
            "numero": numero,
            "remplace": None,
            "annee": annee,
            "departement": departement,
            "mesure": mesure,
            "projet": not signer,
            "total": str(total),
            "nombre_structures": len(lignes),
            "grand_livre_sha256": livre.empreinte if livre else None,
            "lignes": [
                {
                    "identifiant": ligne["identifiant"],
                    "siret": ligne["siret"],
                    "montant_module": str(ligne["montant_module"]),
                    "regularisation": None
                    if ligne["regularisation"] is None
                    else str(ligne["regularisation"]),
                    "montant": str(ligne["montant_net"]),
                }
                for ligne in lignes
            ],
        },
    )
    if numero is None:
        return None
    return {
        "chemin": docx,
        "numero": numero,
        "annee": annee,
        "departement": departement,
        "mesure": mesure,
        "statut": "en vigueur",
        "date_signature": "2026-12-02",
        "signataire": "Camille Exemple",
        "autorite": "region",
        "total": str(total),
        "nombre_structures": len(lignes),
        "grand_livre_sha256": livre.empreinte if livre else "",
        "dossier_sortie": docx.parent.name,
        "date_enregistrement": "2026-12-02T10:00:00",
    }


def _lettre(docx: Path, par_id: dict, livre, signer: bool) -> None:
    identifiant = docx.stem.removeprefix("PROJET_").removeprefix("notification_")
    ligne = par_id[identifiant]
    reference = f"{livre.annee}-{ligne['departement']}-{ligne['type']}-{identifiant}"
    remplacer_texte(docx, "Objet :", f"Référence : {reference} – Objet :")
    integrer(
        docx,
        {
            "type": "lettre_notification",
            "version": 1,
            "reference": reference,
            "annee": livre.annee,
            "departement": ligne["departement"],
            "mesure": ligne["type"],
            "identifiant": identifiant,
            "siret": ligne["siret"],
            "projet": not signer,
            "montant_module": str(ligne["montant_module"]),
            "regularisation": None
            if ligne["regularisation"] is None
            else str(ligne["regularisation"]),
            "net": str(ligne["montant_net"]),
            "taux": str(ligne["taux_effectif"] * 100),
            "grand_livre_sha256": livre.empreinte,
        },
    )
