"""`rapprocher` : chaque décision et chaque lettre d'un dossier de campagne est rapprochée du
grand livre dont elle est tirée (l'empreinte SHA-256 que portent ses données intégrées et son
manifeste), jamais du calcul le plus récent ; un grand livre dont aucun document n'est tiré
(simulation, méthode non retenue) est dit tel, sans écart.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

from iae_modulation.rapprochement.actes import Registre
from iae_modulation.rapprochement.bordereau import inventorier_envois
from iae_modulation.rapprochement.contexte import Controle
from iae_modulation.rapprochement.decisions import rapprocher_decisions
from iae_modulation.rapprochement.inventaire import (
    NATURE,
    Acte,
    GrandLivreTrouve,
    Inventaire,
    inventorier,
)
from iae_modulation.rapprochement.lettres import rapprocher_lettres
from iae_modulation.rapprochement.manifestes import lire_manifeste
from iae_modulation.rapprochement.resultat import Campagne, Compte, Rapprochement
from iae_modulation.rapprochement.tableaux import Tableaux
from iae_modulation.rapprochement.textes import textes_pdf
from iae_modulation.resultats import lire_grand_livre
from iae_modulation.sorties import ErreurEntree, sha256


def rapprocher(dossier: Path, resultats: Path | None = None) -> Rapprochement:
    """Rapproche les documents de `dossier` des grands livres dont ils sont tirés (`resultats` :
    seulement celui-là). Lève `ErreurEntree` s'il n'y a aucun grand livre, ou si celui d'un
    document ne se relit pas."""
    dossier = Path(dossier)
    if not dossier.is_dir():
        raise ErreurEntree(f"{dossier} n'est pas un dossier de campagne.")
    inventaire = inventorier(dossier)
    livres = _grands_livres(inventaire, resultats)
    rapprochement = Rapprochement(dossier)
    actes = _par_grand_livre(inventaire.actes(), livres)
    registre = Registre(
        [livre.chemin.parent for livre in livres] + inventaire.registres, rapprochement
    )
    tableaux = Tableaux(inventaire.classeurs_annexe5)
    for livre in livres:
        du_livre = actes.pop(livre.empreinte, [])
        if resultats is not None and not livre.designe:
            _non_retenu(rapprochement, livre, du_livre, "--resultats désigne un autre grand livre")
        elif du_livre or resultats is not None:
            _rapprocher_livre(rapprochement, livre, du_livre, inventaire, registre, tableaux)
        else:
            rapprochement.sans_document.append(livre.chemin)
    for empreinte, orphelins in actes.items():
        _orphelins(rapprochement, empreinte, orphelins)
    for acte in inventaire.hors_manifeste:
        donnees = acte.donnees or {}
        nature = NATURE.get(str(donnees.get("type")), "document")
        rapprochement.ecart(
            str(donnees.get("departement", "")),
            str(donnees.get("mesure", "")),
            rapprochement.relatif(acte.docx.chemin),
            f"{nature} qu'aucun manifeste ne consigne (copiée ou déplacée "
            "hors du dossier où l'outil l'a produite) : elle n'est pas rapprochée",
        )
    registre.verifier(rapprochement, inventaire.decisions + inventaire.hors_manifeste)
    rapprochement.registre = registre.lignes
    if not rapprochement.campagnes:
        rapprochement.ecart(
            "",
            "",
            str(dossier),
            "aucune décision ASP ni lettre tirée d'un grand livre du dossier : rien à rapprocher",
        )
    rapprochement.envois = inventorier_envois(rapprochement, inventaire, livres)
    return rapprochement


def _grands_livres(inventaire: Inventaire, resultats: Path | None) -> list[GrandLivreTrouve]:
    """Un grand livre par empreinte (le calcul le plus récent s'il y a des copies), et celui
    que désigne `resultats`, le seul alors rapproché."""
    par_empreinte = {livre.empreinte: livre for livre in inventaire.grands_livres}
    if resultats is not None:
        chemin = Path(resultats)
        if not chemin.is_file():
            raise ErreurEntree(f"{chemin} introuvable : indiquez le resultats.csv d'un calcul.")
        empreinte = sha256(chemin)
        calcul = lire_manifeste(chemin.parent)
        par_empreinte[empreinte] = GrandLivreTrouve(chemin, empreinte, calcul, designe=True)
    if not par_empreinte:
        raise ErreurEntree(
            f"{inventaire.dossier} : aucun calcul (resultats.csv et son manifeste) dans ce "
            "dossier ni ses sous-dossiers ; indiquez le grand livre avec --resultats."
        )
    return list(par_empreinte.values())


def _par_grand_livre(actes: list[Acte], livres: list[GrandLivreTrouve]) -> dict[str, list[Acte]]:
    """Les actes par empreinte du grand livre dont ils sont tirés. Une décision au taux
    forfaitaire de 2014 (sans grand livre) va aux grands livres de sa campagne dont d'autres
    documents sont tirés (à tous ceux de sa campagne s'il n'y en a pas ; sinon, sans grand
    livre, sous l'empreinte « »)."""
    par_empreinte: dict[str, list[Acte]] = defaultdict(list)
    forfaits = []
    for acte in actes:
        if acte.empreinte_livre is None:
            forfaits.append(acte)
        else:
            par_empreinte[acte.empreinte_livre].append(acte)
    for acte in forfaits:
        annee = (acte.donnees or {}).get("annee", acte.execution.options.get("annee"))
        de_l_annee = [livre.empreinte for livre in livres if _annee_du_calcul(livre) == annee]
        avec_documents = [e for e in de_l_annee if par_empreinte.get(e)]
        for empreinte in avec_documents or de_l_annee or [""]:
            par_empreinte[empreinte].append(acte)
    return par_empreinte


def _annee_du_calcul(livre: GrandLivreTrouve) -> object:
    return livre.execution.options.get("annee") if livre.execution is not None else None


def _rapprocher_livre(
    rapprochement: Rapprochement,
    trouve: GrandLivreTrouve,
    actes: list[Acte],
    inventaire: Inventaire,
    registre: Registre,
    tableaux: Tableaux,
) -> None:
    livre = lire_grand_livre(trouve.chemin, accepter_modifie=True)
    campagne = Campagne(
        trouve.chemin,
        livre.empreinte,
        livre.annee,
        livre.mention_courte,
        libelle=rapprochement.relatif(trouve.chemin),
    )
    rapprochement.campagnes.append(campagne)
    if livre.modifie:
        rapprochement.document(trouve.chemin, campagne.nom, livre.modifie)
    for ligne in livre.lignes:
        campagne.livre.setdefault((ligne["departement"], ligne["type"]), Compte()).ajouter(
            ligne["montant_net"]
        )
    pdf = [a.pdf.chemin for a in actes if a.pdf is not None and not a.pdf.probleme]
    controle = Controle(rapprochement, campagne, livre, textes_pdf(pdf))
    decisions = [a for a in actes if a.execution.commande == "annexe5"]
    lettres = [a for a in actes if a.execution.commande == "notifications"]
    rapprocher_decisions(controle, decisions, registre, tableaux)
    rapprocher_lettres(controle, lettres, inventaire.a_imprimer)


def _non_retenu(
    rapprochement: Rapprochement, livre: GrandLivreTrouve, actes: list[Acte], raison: str
) -> None:
    """Un grand livre que l'on ne rapproche pas : ses documents, lot par lot, ou « aucun »."""
    if not actes:
        rapprochement.sans_document.append(livre.chemin)
        return
    par_lot: dict[Path, int] = defaultdict(int)
    for acte in actes:
        par_lot[acte.execution.dossier] += 1
    for lot, nombre in par_lot.items():
        rapprochement.document(
            lot,
            rapprochement.relatif(livre.chemin),
            f"{nombre} document(s) non rapproché(s) : {raison}",
        )


def _orphelins(rapprochement: Rapprochement, empreinte: str, actes: list[Acte]) -> None:
    """Des documents tirés d'un grand livre qui n'est plus dans le dossier (recalculé depuis),
    ou des décisions au taux forfaitaire sans grand livre de leur campagne (empreinte « »)."""
    par_lot: dict[Path, int] = defaultdict(int)
    for acte in actes:
        par_lot[acte.execution.dossier] += 1
    for lot, nombre in par_lot.items():
        if empreinte:
            livre = f"absent (empreinte {empreinte[:12]}…)"
            raison = "tiré(s) d'un grand livre absent du dossier (recalculé depuis ?)"
        else:
            livre, raison = "aucun", "au taux forfaitaire, sans grand livre de leur campagne"
        rapprochement.document(lot, livre, f"{nombre} document(s) {raison} : non rapproché(s)")
