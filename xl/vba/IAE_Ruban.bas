Attribute VB_Name = "IAE_Ruban"
' Rappels du ruban « IAE Modulation » (customUI14.xml).
' Chaque bouton appelle l'action Python du même nom dans iae_modulation.excel.macros,
' la même que « iae-modulation classeur executer ACTION CLASSEUR.xlsm » sous Linux.
' Le paramètre « control As Object » évite une référence à la bibliothèque Office.
Option Explicit

Public Sub IAE_ImporterDonneesASP(control As Object)
    RunPython "import iae_modulation.excel.macros as m; m.importer_donnees_asp()"
End Sub

Public Sub IAE_VerifierDonnees(control As Object)
    RunPython "import iae_modulation.excel.macros as m; m.verifier_donnees()"
End Sub

Public Sub IAE_CalculerModulation(control As Object)
    RunPython "import iae_modulation.excel.macros as m; m.calculer_modulation()"
End Sub

Public Sub IAE_GenererDecisionASP(control As Object)
    RunPython "import iae_modulation.excel.macros as m; m.generer_decision_asp()"
End Sub

Public Sub IAE_GenererNotifications(control As Object)
    RunPython "import iae_modulation.excel.macros as m; m.generer_notifications()"
End Sub

Public Sub IAE_OuvrirDossierSortie(control As Object)
    RunPython "import iae_modulation.excel.macros as m; m.ouvrir_dossier_sortie()"
End Sub

' L'aide ne passe pas par Python : elle doit s'afficher même si Python n'est pas encore installé.
Public Sub IAE_Aide(control As Object)
    ThisWorkbook.Worksheets("Accueil").Activate
End Sub
