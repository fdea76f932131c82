"""Rapprochement d'une campagne : le grand livre, les tableaux et décisions de l'annexe 5 et les
lettres de notification (annexe 4) disent-ils, structure par structure, les mêmes montants ?

La note DGEFP 2014-04 fait partir de la même décision la notification à chaque structure et la
décision de paiement transmise à l'ASP : ce contrôle vérifie qu'aucune structure notifiée ne
manque d'une décision, qu'aucune n'est payée deux fois, et qu'aucun montant ne diffère d'un
centime. Il relit les documents produits (tableaux .xlsx, décisions et lettres .docx, index des
lettres) et leurs manifestes, jamais les calculs en mémoire.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import zipfile
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from lxml import etree

from iae_modulation.annexe5 import ENTETE_MODULE, cle_annexe
from iae_modulation.colonnes import COLONNES_IDENTITE
from iae_modulation.documents.decision_asp import nom_fichier_decision
from iae_modulation.documents.notifications import (
    COLONNE_INDEX_LETTRE,
    COLONNE_INDEX_NET,
    FEUILLE_INDEX,
    NOM_INDEX,
)
from iae_modulation.documents.signature import MENTION_PROJET, PREFIXE_PROJET
from iae_modulation.exports.classeurs_asp import FEUILLE_CONTROLE
from iae_modulation.formats import montant_fr
from iae_modulation.lecture import lire_nombre, lire_table
from iae_modulation.mise_en_page import (
    Colonne,
    imprimer,
    mention_sur_chaque_page,
    poser_colonnes,
)
from iae_modulation.referentiel import departements
from iae_modulation.resultats import (
    NOM_RESULTATS,
    GrandLivre,
    lire_grand_livre,
)
from iae_modulation.sorties import (
    NOM_JOURNAL,
    ErreurEntree,
    classeur_remplacable,
    reprendre_publication,
    sha256,
)
from iae_modulation.texte_xml import ClasseurXlsx, texte_xml

EN_PROJET = f"lu, {MENTION_PROJET} : à signer avant tout envoi"
CODE_CONCORDANT = 0
CODE_ECARTS = 3
NOM_RAPPROCHEMENT = "rapprochement.xlsx"
PROFONDEUR_MAX = 4  # dossiers examinés sous le dossier de campagne
COLONNE_IDENTIFIANT = "Identifiant (grand livre)"
_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_PARSEUR = etree.XMLParser(resolve_entities=False, no_network=True)
_TOTAL_DECISION = re.compile(r"pour un montant total de ([0-9\s\u00a0\u202f]+,[0-9]{2})\s*€")


@dataclass(frozen=True)
class Ecart:
    """Une discordance : la structure (ou le document), et ce qui ne va pas."""

    departement: str
    mesure: str
    identifiant: str
    probleme: str


@dataclass
class Compte:
    """Structures et montant net d'une source, pour un département et une mesure."""

    structures: int = 0
    montant: Decimal = Decimal(0)

    def ajouter(self, montant: Decimal) -> None:
        self.structures += 1
        self.montant += montant


@dataclass
class Rapprochement:
    """Ce que le rapprochement a lu et trouvé ; `code_sortie` 0 (concordant) ou 3 (écarts)."""

    grand_livre: Path
    annee: int
    livre: dict[tuple[str, str], Compte] = field(default_factory=dict)
    decisions: dict[tuple[str, str], Compte] = field(default_factory=dict)
    lettres: dict[tuple[str, str], Compte] = field(default_factory=dict)
    ecarts: list[Ecart] = field(default_factory=list)
    documents: list[tuple[str, str]] = field(default_factory=list)  # (document, ce qu'on en fait)
    rapport: Path | None = None
    mention: str = ""  # grand livre modifié après le calcul : dit sur chaque page du rapport

    @property
    def code_sortie(self) -> int:
        return CODE_ECARTS if self.ecarts else CODE_CONCORDANT

    def cles(self) -> list[tuple[str, str]]:
        rang = {code: n for n, code in enumerate(departements())}
        toutes = set(self.livre) | set(self.decisions) | set(self.lettres)
        return sorted(toutes, key=lambda c: (rang.get(c[0], 999), c[0], c[1]))

    def en_une_ligne(self) -> str:
        """Pour le journal du classeur : les trois totaux et le nombre d'écarts."""
        totaux = [
            (sum(c.structures for c in source.values()), sum(c.montant for c in source.values()))
            for source in (self.livre, self.decisions, self.lettres)
        ]
        texte = (
            "Rapprochement : grand livre {} structure(s), {} ; décisions ASP {}, {} ; "
            "lettres {}, {}".format(*(v for n, m in totaux for v in (n, montant_fr(m))))
        )
        if not self.ecarts:
            return texte + " : concordant."
        return texte + f" : {len(self.ecarts)} écart(s), voir {NOM_RAPPROCHEMENT}."

    def resume(self) -> str:
        """Le tableau par département et mesure, puis les écarts, en français."""
        lignes = [
            f"Rapprochement de la campagne {self.annee} (grand livre {self.grand_livre}) :",
            f"{'Dép.':<5} {'Mesure':<6} {'grand livre':>24} {'décisions ASP':>24} {'lettres':>24}",
        ]
        for cle in self.cles():
            cellules = []
            for source in (self.livre, self.decisions, self.lettres):
                compte = source.get(cle, Compte())
                cellules.append(f"{compte.structures:>3} · {montant_fr(compte.montant):>18}")
            lignes.append(f"{cle[0]:<5} {cle[1]:<6} " + " ".join(f"{c:>24}" for c in cellules))
        totaux = [
            sum((c.montant for c in source.values()), Decimal(0))
            for source in (self.livre, self.decisions, self.lettres)
        ]
        lignes.append(f"{'Total':<12} " + " ".join(f"{montant_fr(t):>24}" for t in totaux))
        if self.ecarts:
            lignes.append(f"{len(self.ecarts)} écart(s) :")
            lignes += [
                f"  - {e.departement} {e.mesure} {e.identifiant} : {e.probleme}"
                for e in self.ecarts
            ]
        else:
            lignes.append(
                "Concordant : chaque structure du grand livre a une ligne dans une seule "
                "décision ASP et une lettre, au même montant net au centime près."
            )
        lignes += [f"Document {nom} : {etat}" for nom, etat in self.documents if etat != "lu"]
        if self.rapport is not None:
            lignes.append(f"Rapport : {self.rapport}")
        return "\n".join(lignes)


# ---------------------------------------------------------------------------------------------
# Lecture des manifestes d'un dossier de campagne


@dataclass(frozen=True)
class Execution:
    """Une exécution trouvée par son manifeste : commande, dossier, date, entrées, sorties."""

    dossier: Path
    commande: str
    date: str
    options: dict
    entrees: dict[str, dict]  # rôle -> {fichier, sha256}
    sorties: dict[str, str]  # fichier relatif -> sha256
    ecrit_ns: int = (
        0  # quand le manifeste a été écrit : départage deux exécutions de la même seconde
    )

    @property
    def ordre(self) -> tuple[str, int]:
        return self.date, self.ecrit_ns

    @property
    def empreinte_resultats(self) -> str | None:
        entree = self.entrees.get("resultats")
        return entree["sha256"] if entree else None


def executions(dossier: Path) -> list[Execution]:
    """Les exécutions de l'outil sous `dossier` (profondeur limitée, dossiers cachés exclus)."""
    trouvees = []
    racine = Path(dossier)
    for courant, sous_dossiers, fichiers in os.walk(racine):
        profondeur = len(Path(courant).relative_to(racine).parts)
        sous_dossiers[:] = sorted(
            d for d in sous_dossiers if not d.startswith(".") and profondeur < PROFONDEUR_MAX
        )
        if NOM_JOURNAL in fichiers:  # publication interrompue : finie ou défaite d'abord
            reprendre_publication(Path(courant))
            fichiers = os.listdir(courant)
        if "manifeste.json" in fichiers:
            execution = _lire_manifeste(Path(courant))
            if execution is not None:
                trouvees.append(execution)
    return trouvees


def _lire_manifeste(dossier: Path) -> Execution | None:
    try:
        contenu = json.loads((dossier / "manifeste.json").read_text(encoding="utf-8"))
        return Execution(
            dossier=dossier,
            commande=str(contenu["commande"]),
            date=str(contenu.get("date_execution", "")),
            options=dict(contenu.get("options") or {}),
            entrees={str(e["role"]): e for e in contenu.get("entrees", [])},
            sorties={str(s["fichier"]): str(s["sha256"]) for s in contenu.get("sorties", [])},
            ecrit_ns=(dossier / "manifeste.json").stat().st_mtime_ns,
        )
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None


# ---------------------------------------------------------------------------------------------
# Le rapprochement


def rapprocher(dossier: Path, resultats: Path | None = None) -> Rapprochement:
    """Rapproche les documents de `dossier` du grand livre (`resultats`, sinon celui du calcul
    le plus récent du dossier). Lève `ErreurEntree` s'il n'y a pas de grand livre lisible."""
    dossier = Path(dossier)
    if not dossier.is_dir():
        raise ErreurEntree(f"{dossier} n'est pas un dossier de campagne.")
    trouvees = executions(dossier)
    chemin = Path(resultats) if resultats else _grand_livre_du_dossier(dossier, trouvees)
    livre = lire_grand_livre(chemin, accepter_modifie=True)
    rapprochement = Rapprochement(chemin, livre.annee, mention=livre.mention_courte)
    if livre.modifie:
        rapprochement.documents.append((chemin.name, livre.modifie))
    # n° d'annexe sans avenant : un tableau au taux forfaitaire de 2014 nomme ainsi la structure
    par_identifiant = {cle_annexe(ligne["identifiant"]): ligne for ligne in livre.lignes}
    for ligne in livre.lignes:
        cle = (ligne["departement"], ligne["type"])
        rapprochement.livre.setdefault(cle, Compte()).ajouter(ligne["montant_net"])
    _decisions(rapprochement, livre, trouvees, par_identifiant)
    _lettres(rapprochement, livre, trouvees, par_identifiant)
    return rapprochement


def _grand_livre_du_dossier(dossier: Path, trouvees: list[Execution]) -> Path:
    calculs = sorted(
        (e for e in trouvees if e.commande == "calculer" and (e.dossier / NOM_RESULTATS).is_file()),
        key=lambda e: e.ordre,
    )
    if not calculs:
        raise ErreurEntree(
            f"{dossier} : aucun calcul (resultats.csv et son manifeste) dans ce dossier ni ses "
            "sous-dossiers ; indiquez le grand livre avec --resultats."
        )
    return calculs[-1].dossier / NOM_RESULTATS


def _du_meme_livre(execution: Execution, livre: GrandLivre) -> bool:
    """Documents produits depuis ce grand livre (même empreinte), ou, pour l'annexe 5 au taux
    forfaitaire de 2014, sans grand livre, pour la même année."""
    if execution.empreinte_resultats is not None:
        return execution.empreinte_resultats == livre.empreinte
    return execution.commande == "annexe5" and execution.options.get("annee") == livre.annee


def _probleme_document(execution: Execution, nom: str) -> str:
    """« » si le document est là et tel que son manifeste l'a consigné, sinon le problème."""
    chemin = execution.dossier / nom
    if not chemin.is_file():
        return f"{nom} introuvable"
    if nom not in execution.sorties or sha256(chemin) != execution.sorties[nom]:
        return f"{nom} modifié après sa production (son empreinte n'est plus celle du manifeste)"
    return ""


def _decisions(
    rapprochement: Rapprochement,
    livre: GrandLivre,
    trouvees: list[Execution],
    par_identifiant: dict[str, dict],
) -> None:
    """Tableaux annexés aux décisions : pour chaque (mesure, département), le plus récent."""
    tableaux: dict[tuple[str, str], tuple[Execution, str]] = {}
    for execution in sorted(
        (e for e in trouvees if e.commande == "annexe5"), key=lambda e: e.ordre
    ):
        if not _du_meme_livre(execution, livre):
            rapprochement.documents.append(
                (str(execution.dossier), "ignoré (produit depuis un autre grand livre)")
            )
            continue
        for nom in execution.sorties:
            trouve = re.fullmatch(r"(?:PROJET_)?annexe5_\d{4}_([0-9AB]+)_([A-Z]+)\.xlsx", nom)
            if trouve:
                cle = (trouve[1], trouve[2])
                if cle in tableaux:
                    ancien, ancien_nom = tableaux[cle]
                    rapprochement.documents.append(
                        (str(ancien.dossier / ancien_nom), "remplacé par un tableau plus récent")
                    )
                tableaux[cle] = (execution, nom)
    vus: dict[str, str] = {}
    for (departement, mesure), (execution, nom) in sorted(tableaux.items()):
        probleme = _probleme_document(execution, nom)
        if probleme:
            rapprochement.ecarts.append(
                Ecart(departement, mesure, str(execution.dossier), probleme)
            )
            continue
        rapprochement.documents.append((str(execution.dossier / nom), "lu"))
        compte = rapprochement.decisions.setdefault((departement, mesure), Compte())
        lignes = _lire_tableau(rapprochement, execution.dossier / nom, departement, mesure)
        for identifiant, net in lignes:
            compte.ajouter(net)
            identifiant = cle_annexe(identifiant)
            ligne = par_identifiant.get(identifiant)
            if identifiant in vus:
                probleme = f"dans deux décisions ({vus[identifiant]} et {nom})"
            elif ligne is None:
                probleme = "dans une décision mais absente du grand livre"
            elif (ligne["departement"], ligne["type"]) != (departement, mesure):
                probleme = (
                    f"dans la décision {mesure} {departement} alors que le grand livre la place "
                    f"en {ligne['type']} {ligne['departement']}"
                )
            elif ligne["montant_net"] != net:
                probleme = (
                    f"décision {montant_fr(net)}, grand livre {montant_fr(ligne['montant_net'])}"
                )
            else:
                probleme = ""
            vus.setdefault(identifiant, nom)
            if probleme:
                rapprochement.ecarts.append(Ecart(departement, mesure, identifiant, probleme))
        _verifier_decision(rapprochement, execution, departement, mesure, lignes)
    for ligne in livre.lignes:
        if cle_annexe(ligne["identifiant"]) not in vus:
            rapprochement.ecarts.append(
                Ecart(
                    ligne["departement"],
                    ligne["type"],
                    ligne["identifiant"],
                    f"absente des décisions ASP (net {montant_fr(ligne['montant_net'])})",
                )
            )


def _lire_tableau(
    rapprochement: Rapprochement, chemin: Path, departement: str, mesure: str
) -> list[tuple[str, Decimal]]:
    """(identifiant, montant versé) de chaque ligne du tableau annexé : le montant dans la
    feuille « Tableau » (colonne de la note), l'identifiant dans la feuille « Contrôle »."""
    tableau = lire_table(chemin, "Tableau").table
    rangees = [list(tableau.columns), *tableau.itertuples(index=False, name=None)]
    entete = ENTETE_MODULE.get(mesure, "")
    trouvee = next(
        (
            (numero, position)
            for numero, rangee in enumerate(rangees)
            for position, cellule in enumerate(rangee)
            if entete and str(cellule).startswith(entete)
        ),
        None,
    )
    if trouvee is None:
        rapprochement.ecarts.append(
            Ecart(departement, mesure, chemin.name, f"colonne « {entete} » introuvable")
        )
        return []
    numero, position = trouvee
    montants, total = [], None
    for rangee in rangees[numero + 1 :]:
        if str(rangee[0]).strip() == "Total":
            total = lire_nombre(rangee[position])
            break
        montants.append(lire_nombre(rangee[position]))
    controle = lire_table(chemin, FEUILLE_CONTROLE).table
    identifiants = list(controle[COLONNE_IDENTIFIANT])
    if len(identifiants) != len(montants):
        rapprochement.ecarts.append(
            Ecart(
                departement,
                mesure,
                chemin.name,
                f"{len(montants)} ligne(s) dans le tableau, {len(identifiants)} dans « Contrôle »",
            )
        )
        return []
    if total is None or total != sum(montants, Decimal(0)):
        rapprochement.ecarts.append(
            Ecart(departement, mesure, chemin.name, "ligne « Total » ≠ somme des lignes")
        )
    return list(zip(identifiants, montants, strict=True))


def _verifier_decision(
    rapprochement: Rapprochement,
    execution: Execution,
    departement: str,
    mesure: str,
    lignes: list[tuple[str, Decimal]],
) -> None:
    """Le total écrit dans la décision (article 1er) est celui du tableau annexé ; une décision
    non signée (`PROJET_…`) est lue de même et signalée comme projet."""
    annee = execution.options.get("annee")
    signee, projet = (nom_fichier_decision(annee, mesure, departement, p) for p in (False, True))
    nom = projet if projet in execution.sorties and signee not in execution.sorties else signee
    probleme = _probleme_document(execution, nom)
    if probleme:
        rapprochement.ecarts.append(Ecart(departement, mesure, str(execution.dossier), probleme))
        return
    if nom == projet:
        rapprochement.documents.append((str(execution.dossier / nom), EN_PROJET))
    texte = texte_docx(execution.dossier / nom)
    trouve = _TOTAL_DECISION.search(texte)
    attendu = sum((net for _, net in lignes), Decimal(0))
    if trouve is None or lire_nombre(trouve[1]) != attendu:
        ecrit = "introuvable" if trouve is None else f"{trouve[1]} €"
        rapprochement.ecarts.append(
            Ecart(
                departement,
                mesure,
                nom,
                f"total de la décision {ecrit}, tableau annexé {montant_fr(attendu)}",
            )
        )


def _lettres(
    rapprochement: Rapprochement,
    livre: GrandLivre,
    trouvees: list[Execution],
    par_identifiant: dict[str, dict],
) -> None:
    """Les lettres du lot de notifications le plus récent produit depuis ce grand livre."""
    lots = sorted(
        (e for e in trouvees if e.commande == "notifications" and _du_meme_livre(e, livre)),
        key=lambda e: e.ordre,
    )
    for ancien in lots[:-1]:
        rapprochement.documents.append((str(ancien.dossier), "remplacé par un lot plus récent"))
    notifiees: set[str] = set()
    en_ecart: set[str] = set()
    probleme = _probleme_document(lots[-1], NOM_INDEX) if lots else ""
    if probleme:
        rapprochement.ecarts.append(Ecart("", "", str(lots[-1].dossier), probleme))
    elif lots:
        lot = lots[-1]
        rapprochement.documents.append((str(lot.dossier / NOM_INDEX), "lu"))
        projets = 0
        index = lire_table(lot.dossier / NOM_INDEX, FEUILLE_INDEX).table
        for identifiant, net, fichier in zip(
            index[index.columns[0]],
            index[COLONNE_INDEX_NET],
            index[COLONNE_INDEX_LETTRE],
            strict=True,
        ):
            identifiant = cle_annexe(identifiant)
            ligne = par_identifiant.get(identifiant)
            if ligne is None:
                rapprochement.ecarts.append(
                    Ecart("", "", identifiant, "lettre d'une structure absente du grand livre")
                )
                continue
            cle = (ligne["departement"], ligne["type"])
            probleme = _probleme_lettre(lot, ligne, net, fichier)
            if probleme:
                rapprochement.ecarts.append(Ecart(*cle, identifiant, probleme))
                en_ecart.add(identifiant)
                continue
            notifiees.add(identifiant)
            projets += fichier.startswith(PREFIXE_PROJET)
            rapprochement.lettres.setdefault(cle, Compte()).ajouter(ligne["montant_net"])
        if projets:
            rapprochement.documents.append(
                (f"{lot.dossier} ({projets} lettre(s) {PREFIXE_PROJET}…)", EN_PROJET)
            )
    for ligne in livre.lignes:
        if cle_annexe(ligne["identifiant"]) not in notifiees | en_ecart:
            rapprochement.ecarts.append(
                Ecart(ligne["departement"], ligne["type"], ligne["identifiant"], "sans lettre")
            )


def _probleme_lettre(lot: Execution, ligne: dict, net: str, fichier: str) -> str:
    """Ce qui ne va pas dans la lettre d'une structure, ou « »."""
    if not fichier:
        return "lettre non produite (voir l'index des lettres)"
    if lire_nombre(net) != ligne["montant_net"]:
        return (
            f"lettre : index {montant_fr(lire_nombre(net))}, grand livre "
            f"{montant_fr(ligne['montant_net'])}"
        )
    probleme = _probleme_document(lot, fichier)
    if probleme:
        return f"lettre : {probleme}"
    texte = texte_docx(lot.dossier / fichier)
    attendus = [montant_fr(ligne["montant_module"])]
    if ligne["montant_net"]:
        attendus.append(montant_fr(ligne["montant_net"]))
    absents = [m for m in attendus if m not in texte]
    if absents:
        return f"la lettre ne dit pas {', '.join(absents)}"
    compact = _sans_blancs(texte)
    autres = [
        f"{colonne} « {ligne[colonne]} »"
        for colonne in COLONNES_IDENTITE
        if ligne[colonne].strip() and _sans_blancs(texte_xml(ligne[colonne])) not in compact
    ]
    if autres:
        return (
            "la lettre n'est pas adressée à la structure du grand livre ("
            + ", ".join(autres)
            + " absent(e) de la lettre)"
        )
    return ""


def _sans_blancs(texte: str) -> str:
    """Le texte sans espaces ni sauts de ligne (une adresse sur deux lignes reste la même)."""
    return "".join(texte.split())


def texte_docx(chemin: Path) -> str:
    """Le texte d'un document Word, paragraphe par paragraphe (pour y chercher un montant) ;
    un trait d'union insécable (`<w:noBreakHyphen/>`) se lit « - »."""
    with zipfile.ZipFile(chemin) as archive:
        racine = etree.fromstring(archive.read("word/document.xml"), _PARSEUR)
    return "\n".join(
        "".join(
            "-" if e.tag == f"{_W}noBreakHyphen" else e.text or ""
            for e in paragraphe.iter(f"{_W}t", f"{_W}noBreakHyphen")
        )
        for paragraphe in racine.iter(f"{_W}p")
    )


# ---------------------------------------------------------------------------------------------
# Le rapport rapprochement.xlsx

ENTETES_RAPPORT = (
    "Département",
    "Nom du département",
    "Mesure",
    "Structures (grand livre)",
    "Montant net (grand livre)",
    "Structures (décisions ASP)",
    "Montant (décisions ASP)",
    "Structures (lettres)",
    "Montant net (lettres)",
    "Concordant",
)


def ecrire_rapport(rapprochement: Rapprochement, chemin: Path) -> Path:
    """`rapprochement.xlsx` : feuille « Rapprochement » (département × mesure), « Écarts » et
    « Documents » ; écrit sous un nom temporaire puis renommé."""
    chemin = Path(chemin)
    temporaire = chemin.with_name(f".{chemin.name}.{os.getpid()}.tmp")
    annee = rapprochement.annee
    with (
        mention_sur_chaque_page(rapprochement.mention),
        ClasseurXlsx(str(temporaire)) as classeur,
    ):
        classeur.set_properties({"title": TITRE_RAPPORT, "author": "iae-modulation"})
        gras = classeur.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1})
        gras.set_text_wrap()
        euros = classeur.add_format({"num_format": '#,##0.00\\ "€"'})
        feuille = classeur.add_worksheet("Rapprochement")
        titre = (
            f"Rapprochement de la campagne {rapprochement.annee} — grand livre "
            f"{rapprochement.grand_livre} — {dt.date.today():%d/%m/%Y}"
        )
        bandeau = classeur.add_format(
            {"bold": True, "font_size": 12, "text_wrap": True, "valign": "top"}
        )
        feuille.merge_range(0, 0, 0, len(ENTETES_RAPPORT) - 1, titre, bandeau)
        feuille.set_row(0, 32)
        feuille.write_row(2, 0, ENTETES_RAPPORT, gras)
        noms = departements()
        ecarts_par_cle = {(e.departement, e.mesure) for e in rapprochement.ecarts}
        lignes = []
        for cle in rapprochement.cles():
            comptes = [
                source.get(cle, Compte())
                for source in (rapprochement.livre, rapprochement.decisions, rapprochement.lettres)
            ]
            lignes.append(
                [
                    cle[0],
                    noms[cle[0]].nom if cle[0] in noms else "",
                    cle[1],
                    *(v for c in comptes for v in (c.structures, c.montant)),
                    "non" if cle in ecarts_par_cle else "oui",
                ]
            )
        for rang, ligne in enumerate(lignes, start=3):
            for colonne, valeur in enumerate(ligne):
                if isinstance(valeur, Decimal):
                    feuille.write_number(rang, colonne, valeur, euros)
                elif isinstance(valeur, int):
                    feuille.write_number(rang, colonne, valeur)
                else:
                    feuille.write_string(rang, colonne, valeur)
        affiches = [
            [montant_fr(v) if isinstance(v, Decimal) else str(v) for v in colonne]
            for colonne in zip(*lignes, strict=True)
        ] or [[] for _ in ENTETES_RAPPORT]
        largeurs = poser_colonnes(
            feuille,
            [Colonne(e, a) for e, a in zip(ENTETES_RAPPORT, affiches, strict=True)],
            2,
        )
        imprimer(feuille, largeurs, titre="Rapprochement", campagne=annee, lignes_repetees=(2, 2))
        feuille.freeze_panes(3, 0)
        ecarts = classeur.add_worksheet("Écarts")
        ecarts.write_row(0, 0, ("Département", "Mesure", "Structure ou document", "Écart"), gras)
        if not rapprochement.ecarts:
            ecarts.write_string(1, 0, "Aucun écart.")
        for rang, ecart in enumerate(rapprochement.ecarts, start=1):
            ecarts.write_row(
                rang, 0, (ecart.departement, ecart.mesure, ecart.identifiant, ecart.probleme)
            )
        retour = classeur.add_format({"text_wrap": True, "valign": "top"})
        colonnes = [
            Colonne(entete, [str(getattr(e, cle)) for e in rapprochement.ecarts], maximum=70)
            for entete, cle in (
                ("Département", "departement"),
                ("Mesure", "mesure"),
                ("Structure ou document", "identifiant"),
                ("Écart", "probleme"),
            )
        ]
        largeurs = poser_colonnes(ecarts, colonnes, 0, {2: retour, 3: retour})
        imprimer(
            ecarts,
            largeurs,
            titre="Écarts du rapprochement",
            campagne=annee,
            lignes_repetees=(0, 0),
        )
        documents = classeur.add_worksheet("Documents")
        documents.write_row(0, 0, ("Document", "Traitement"), gras)
        if not rapprochement.documents:
            documents.write_string(1, 0, "Aucun document relu.")
        for rang, (nom, etat) in enumerate(rapprochement.documents, start=1):
            documents.write_row(rang, 0, (nom, etat))
        colonnes = [
            Colonne("Document", [nom for nom, _ in rapprochement.documents], maximum=80),
            Colonne("Traitement", [etat for _, etat in rapprochement.documents], maximum=50),
        ]
        largeurs = poser_colonnes(documents, colonnes, 0, {0: retour, 1: retour})
        imprimer(
            documents, largeurs, titre="Documents relus", campagne=annee, lignes_repetees=(0, 0)
        )
    os.replace(temporaire, chemin)
    rapprochement.rapport = chemin
    return chemin


TITRE_RAPPORT = "Rapprochement"


def rapport_remplacable(chemin: Path) -> bool:
    """Vrai si `chemin` n'existe pas, ou si c'est un rapport que l'outil a écrit lui-même."""
    return classeur_remplacable(chemin, TITRE_RAPPORT)
